package webnn

import (
	"fmt"
	"unsafe"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// bufferPool recycles intermediate buffers by liveness. A buffer is
// referenced by the operand slots whose tensors hold it (views such as
// reshape share their input's buffer, so they count too); when the last
// reference is dropped after its last reader ran, the buffer becomes free
// for the next allocation of a compatible type. Scratch buffers a step
// allocates but does not return are freed when the step ends. Everything
// is free again after a run, so later runs reuse the same buffers.
type bufferPool struct {
	owned map[unsafe.Pointer]*pooled
	free  []*pooled
	step  []*pooled // allocated by the running step
}

// maxTensorBytes bounds one intermediate tensor, so a graph whose shapes
// explode (a bad dynamic size, a huge expand) fails with an error naming
// the node instead of exhausting memory.
const maxTensorBytes = 4 << 30

// allocError is raised by get and turned into an error at the Run boundary.
type allocError struct {
	dt tensor.DType
	n  int
}

func (e allocError) Error() string {
	return fmt.Sprintf("a %v result of %d elements exceeds the %d GiB per-tensor limit", e.dt, e.n, maxTensorBytes>>30)
}

type pooled struct {
	data any // full-capacity slice
	cap  int
	refs int
	used bool
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

// get returns a slice of n elements of dt's Go type, reusing the smallest
// free buffer that fits.
func (b *bufferPool) get(dt tensor.DType, n int) any {
	if n < 0 || int64(n)*int64(max(dt.Size(), 1)) > maxTensorBytes {
		panic(allocError{dt: dt, n: n})
	}
	if n == 0 {
		return tensor.MakeSlice(dt, 0)
	}
	if b.owned == nil {
		b.owned = map[unsafe.Pointer]*pooled{}
	}
	best := -1
	for i, f := range b.free {
		if f.cap >= n && (best < 0 || f.cap < b.free[best].cap) {
			if _, ok := reuseSlice(f.data, dt, n); ok {
				best = i
			}
		}
	}
	var e *pooled
	if best >= 0 {
		e = b.free[best]
		b.free[best] = b.free[len(b.free)-1]
		b.free = b.free[:len(b.free)-1]
	} else {
		d := tensor.MakeSlice(dt, n)
		e = &pooled{data: d, cap: n}
		b.owned[dataPtr(d)] = e
	}
	e.used, e.refs = true, 0
	b.step = append(b.step, e)
	d, _ := reuseSlice(e.data, dt, n)
	return d
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
			b.free = append(b.free, e)
		}
	}
	b.step = b.step[:0]
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
		b.free = append(b.free, e)
	}
}

// reset frees every buffer (end of a run; outputs were copied).
func (b *bufferPool) reset() {
	b.free = b.free[:0]
	for _, e := range b.owned {
		e.used, e.refs = false, 0
		b.free = append(b.free, e)
	}
	b.step = b.step[:0]
}
