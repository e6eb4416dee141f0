package webnn

import (
	"math/bits"
	"unsafe"

	"github.com/webnn-graph/webnn-graph/internal/membudget"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// bufferPool recycles intermediate buffers by liveness. A buffer is
// referenced by the operand slots whose tensors hold it (views such as
// reshape share their input's buffer, so they count too); when the last
// reference is dropped after its last reader ran, the buffer becomes free
// for the next allocation of a compatible type. Scratch buffers a step
// allocates but does not return are freed when the step ends. Everything
// is free again after a run, so later runs reuse the same buffers.
//
// Free buffers are kept in lists by Go element type and size class (the bit
// length of their capacity), so finding the smallest one that fits looks at
// one or two short lists instead of every free buffer.
type bufferPool struct {
	owned map[unsafe.Pointer]*pooled
	// bytes is the size of every owned buffer: counted as live in the
	// memory budget while a run is in progress (begin to reset).
	bytes int64
	free  [numSliceKinds][bits.UintSize + 1][]*pooled
	step  []*pooled // allocated by the running step
}

// sliceKind numbers the Go slice types that pooled buffers are reused as
// (see reuseSlice); 0 means never reused.
func sliceKind(dt tensor.DType) uint8 {
	switch dt {
	case tensor.Float32:
		return 1
	case tensor.Float16, tensor.BFloat16, tensor.Uint16:
		return 2
	case tensor.Int8, tensor.Int4:
		return 3
	case tensor.Uint8, tensor.Uint4:
		return 4
	case tensor.Int32:
		return 5
	case tensor.Uint32:
		return 6
	case tensor.Int64:
		return 7
	case tensor.Uint64:
		return 8
	}
	return 0
}

const numSliceKinds = 9

// putFree makes e available to get.
func (b *bufferPool) putFree(e *pooled) {
	if e.kind == 0 {
		return
	}
	cl := bits.Len(uint(e.cap))
	b.free[e.kind][cl] = append(b.free[e.kind][cl], e)
}

// takeFree removes and returns the smallest free buffer of kind with at
// least n elements, or nil.
func (b *bufferPool) takeFree(kind uint8, n int) *pooled {
	if kind == 0 {
		return nil
	}
	lists := &b.free[kind]
	// Class bits.Len(n) holds capacities in [2^(c-1), 2^c), some of them
	// below n; every higher class fits, its smallest member being the best.
	// A buffer more than twice the request is left for a request of its
	// size: handing it out would make the next large result (a long
	// prefill's attention scores) allocate again, and the pool would grow
	// with every layer.
	for cl := bits.Len(uint(n)); cl < len(lists) && cl <= bits.Len(uint(n))+1; cl++ {
		l := lists[cl]
		best := -1
		for i, f := range l {
			if f.cap >= n && f.cap <= 2*n && (best < 0 || f.cap < l[best].cap) {
				best = i
			}
		}
		if best >= 0 {
			e := l[best]
			l[best] = l[len(l)-1]
			lists[cl] = l[:len(l)-1]
			return e
		}
	}
	return nil
}

// allocError is raised by get (a refusal of the memory budget, see
// internal/membudget) and turned into an error naming the node at the Run
// boundary.
type allocError struct{ err error }

func (e allocError) Error() string { return e.err.Error() }
func (e allocError) Unwrap() error { return e.err }

type pooled struct {
	data any // full-capacity slice
	cap  int
	refs int
	used bool
	kind uint8 // sliceKind of data
}

// dataPtr identifies a buffer by its first element (nil when empty).
func dataPtr(d any) unsafe.Pointer {
	switch s := d.(type) {
	case []float32:
		return unsafe.Pointer(unsafe.SliceData(s))
	case []uint16:
		return unsafe.Pointer(unsafe.SliceData(s))
	case []int8:
		return unsafe.Pointer(unsafe.SliceData(s))
	case []uint8:
		return unsafe.Pointer(unsafe.SliceData(s))
	case []int32:
		return unsafe.Pointer(unsafe.SliceData(s))
	case []uint32:
		return unsafe.Pointer(unsafe.SliceData(s))
	case []int64:
		return unsafe.Pointer(unsafe.SliceData(s))
	case []uint64:
		return unsafe.Pointer(unsafe.SliceData(s))
	case []float64:
		return unsafe.Pointer(unsafe.SliceData(s))
	}
	return nil
}

// get returns a slice of n elements of dt's Go type for a tensor of shape,
// reusing the smallest free buffer that fits. A new buffer is first checked
// against the memory budget (per tensor and live bytes in total): a
// refusal panics with allocError before anything is allocated.
func (b *bufferPool) get(dt tensor.DType, n int, shape []int) any {
	if n == 0 {
		return tensor.MakeSlice(dt, 0)
	}
	if b.owned == nil {
		b.owned = map[unsafe.Pointer]*pooled{}
	}
	kind := sliceKind(dt)
	if e := b.takeFree(kind, n); e != nil {
		e.used, e.refs = true, 0
		b.step = append(b.step, e)
		d, _ := reuseSlice(e.data, dt, n)
		return d
	}
	if kind == 0 {
		d := b.newBuffer(dt, n, shape)
		b.owned[dataPtr(d)] = &pooled{data: d, cap: n, used: true}
		b.step = append(b.step, b.owned[dataPtr(d)])
		return d
	}
	// Capacity rounded up to a size class (≤ 12.5% more): tensors that grow
	// a little every run (a KV cache's length) reuse their buffers for
	// several runs instead of allocating new ones each time.
	c := roundCap(n)
	full := b.newBuffer(dt, c, shape)
	e := &pooled{data: full, cap: c, kind: kind, used: true}
	b.owned[dataPtr(full)] = e
	b.step = append(b.step, e)
	d, _ := reuseSlice(full, dt, n)
	return d
}

// newBuffer allocates a buffer of c elements for a tensor of shape and
// counts it as live, after checking both against the memory budget (per
// tensor and live bytes in total); a refusal panics with allocError,
// naming the tensor's shape and bytes, before anything is allocated.
func (b *bufferPool) newBuffer(dt tensor.DType, c int, shape []int) any {
	size := max(dt.Size(), 1)
	if dt == tensor.String {
		size = 16
	}
	if _, err := membudget.Check(dt, size, shape); err != nil {
		panic(allocError{err})
	}
	d := tensor.MakeSlice(dt, c) // checks the capacity the same way
	n := int64(c) * int64(size)
	membudget.Add(n)
	b.bytes += n
	return d
}

// begin counts the pool's buffers as live for a run (reset stops).
func (b *bufferPool) begin() { membudget.Add(b.bytes) }

// roundCap rounds n up to the next multiple of an eighth of its power of
// two (n itself when small).
func roundCap(n int) int {
	if n <= 1024 {
		return n
	}
	q := 1 << (bits.Len(uint(n)) - 4)
	return (n + q - 1) &^ (q - 1)
}

func (b *bufferPool) stepStart() { b.step = b.step[:0] }

// retain counts a slot's reference to a pooled buffer.
func (b *bufferPool) retain(d any) {
	if e := b.owned[dataPtr(d)]; e != nil && e.used {
		e.refs++
	}
}

// stepEnd frees the step's scratch buffers (allocated, not returned).
func (b *bufferPool) stepEnd() {
	for _, e := range b.step {
		if e.used && e.refs == 0 {
			e.used = false
			b.putFree(e)
		}
	}
	b.step = b.step[:0]
}

// solelyHeld reports whether d is the start of a pooled buffer in use
// that exactly one slot references, holding n elements (so a result of n
// elements may take it over).
func (b *bufferPool) solelyHeld(d any, n int) bool {
	e := b.owned[dataPtr(d)]
	return e != nil && e.used && e.refs == 1 && dataLen(d) == n
}

// release gives up the pooled buffer that d starts, for the caller to
// keep; false when d is not a pooled buffer in use.
func (b *bufferPool) release(d any) bool {
	ptr := dataPtr(d)
	e := b.owned[ptr]
	if e == nil || !e.used {
		return false
	}
	delete(b.owned, ptr)
	// The caller's now: no longer the pool's, nor counted as live.
	n := int64(e.cap) * elemBytes(e.data)
	b.bytes -= n
	membudget.Release(n)
	return true
}

// elemBytes is the size of one element of the Go slice d, as newBuffer
// counted it.
func elemBytes(d any) int64 {
	switch d.(type) {
	case []int8, []uint8, []bool:
		return 1
	case []uint16:
		return 2
	case []float32, []int32, []uint32:
		return 4
	case []int64, []uint64, []float64:
		return 8
	}
	return 16
}

// drop releases a slot's reference.
func (b *bufferPool) drop(d any) {
	e := b.owned[dataPtr(d)]
	if e == nil || !e.used {
		return
	}
	e.refs--
	if e.refs <= 0 {
		e.used, e.refs = false, 0
		b.putFree(e)
	}
}

// reset frees every buffer (end of a run; outputs were copied).
func (b *bufferPool) reset() {
	membudget.Release(b.bytes)
	for k := range b.free {
		for c := range b.free[k] {
			b.free[k][c] = b.free[k][c][:0]
		}
	}
	for _, e := range b.owned {
		e.used, e.refs = false, 0
		b.putFree(e)
	}
	b.step = b.step[:0]
}
