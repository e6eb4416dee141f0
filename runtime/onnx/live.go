package onnxrt

import (
	"reflect"
	"unsafe"

	"github.com/webnn-graph/webnn-graph/internal/membudget"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// liveSet counts the node results a run holds against the memory budget's
// total (internal/membudget), so kernels' allocations are checked against
// what is already live. Results that share a buffer (Reshape, Identity)
// count once; initializers and the caller's inputs never count (they are
// the model's and the caller's memory, not the run's).
type liveSet struct {
	bufs  map[unsafe.Pointer]*liveBuf
	total int64
	// bodyRuns counts the subgraph executions (Loop iterations, Scan
	// steps, If branches) of the run, against maxBodyRuns.
	bodyRuns int64
}

type liveBuf struct {
	bytes int64
	refs  int // -1: not the run's (an initializer or input)
}

func newLiveSet() *liveSet { return &liveSet{bufs: map[unsafe.Pointer]*liveBuf{}} }

// bufOf identifies t's buffer and its size in bytes (nil for empty data).
func bufOf(t *tensor.Tensor) (unsafe.Pointer, int64) {
	if t == nil || t.Data == nil {
		return nil, 0
	}
	v := reflect.ValueOf(t.Data)
	if v.Kind() != reflect.Slice || v.Len() == 0 {
		return nil, 0
	}
	return v.UnsafePointer(), int64(v.Len()) * int64(v.Type().Elem().Size())
}

// foreign marks t's buffer as not the run's.
func (s *liveSet) foreign(t *tensor.Tensor) {
	if s == nil {
		return
	}
	if p, _ := bufOf(t); p != nil {
		s.bufs[p] = &liveBuf{refs: -1}
	}
}

// hold counts one more reference to t's buffer; a new buffer becomes live.
func (s *liveSet) hold(t *tensor.Tensor) {
	if s == nil {
		return
	}
	p, n := bufOf(t)
	if p == nil {
		return
	}
	if b := s.bufs[p]; b != nil {
		if b.refs >= 0 {
			b.refs++
		}
		return
	}
	s.bufs[p] = &liveBuf{bytes: n, refs: 1}
	s.total += n
	membudget.Add(n)
}

// drop releases one reference; the last one ends the buffer's life.
func (s *liveSet) drop(t *tensor.Tensor) {
	if s == nil {
		return
	}
	p, _ := bufOf(t)
	if p == nil {
		return
	}
	b := s.bufs[p]
	if b == nil || b.refs < 0 {
		return
	}
	if b.refs--; b.refs == 0 {
		delete(s.bufs, p)
		s.total -= b.bytes
		membudget.Release(b.bytes)
	}
}

// end releases everything still counted (the run is over).
func (s *liveSet) end() {
	if s == nil {
		return
	}
	membudget.Release(s.total)
	s.total = 0
	clear(s.bufs)
}
