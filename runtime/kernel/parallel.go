package kernel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// ParallelFor calls fn on disjoint chunks [lo,hi) covering [0,n). Chunks are
// at least grain long (grain <= 0 means 1); when n <= grain or only one CPU is
// available, fn(0, n) runs on the calling goroutine. fn must be safe to call
// concurrently on disjoint ranges. ParallelFor returns after every chunk ran.
//
// The chunks are handed out dynamically to the caller and to a persistent
// pool of helper goroutines (one per extra CPU): a decode step makes
// hundreds of short parallel calls, where spawning goroutines and a static
// split (one slow or descheduled goroutine holds up the call) cost more than
// the work.
func ParallelFor(n int, grain int, fn func(lo, hi int)) {
	parallelFor(runtime.GOMAXPROCS(0), n, grain, fn)
}

// parallelFor is ParallelFor over at most workers goroutines (workers <= 1
// runs serially: callers that already split work pass 1).
func parallelFor(workers, n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	if w := (n + grain - 1) / grain; w < workers {
		workers = w
	}
	if workers <= 1 {
		fn(0, n)
		return
	}
	// About four chunks per worker balance the load without making the
	// chunks so small that claiming them costs. Chunks are whole multiples
	// of grain, so kernels that pick grain as their vector unit keep every
	// chunk but the last on their vector path.
	chunk := roundUp(max(grain, (n+4*workers-1)/(4*workers)), grain)
	t := &pfTask{fn: fn, n: n, chunk: chunk, done: make(chan struct{})}
	t.pending.Store(int64((n + chunk - 1) / chunk))
	helpers.wake(t, workers-1)
	t.work()
	if t.pending.Load() > 0 {
		<-t.done
	}
}

// pfTask is one parallelFor call shared by the caller and the helpers.
type pfTask struct {
	fn       func(lo, hi int)
	n, chunk int
	next     atomic.Int64 // first index not yet claimed
	pending  atomic.Int64 // chunks not yet finished
	done     chan struct{}
}

// work claims and runs chunks until none are left; whoever finishes the
// last chunk closes done.
func (t *pfTask) work() {
	for {
		lo := int(t.next.Add(int64(t.chunk))) - t.chunk
		if lo >= t.n {
			return
		}
		t.fn(lo, min(lo+t.chunk, t.n))
		if t.pending.Add(-1) == 0 {
			close(t.done)
		}
	}
}

// helpers is the persistent pool: goroutines blocked on a channel of tasks.
// A helper that arrives after every chunk was claimed finds nothing to do.
// wake never blocks (a full queue means the helpers are busy, and the
// caller runs the chunks itself), so nested parallel calls cannot deadlock.
var helpers helperPool

type helperPool struct {
	mu      sync.Mutex
	started int
	tasks   chan *pfTask
}

func (h *helperPool) wake(t *pfTask, want int) {
	h.mu.Lock()
	if h.tasks == nil {
		h.tasks = make(chan *pfTask, 64)
	}
	for h.started < want {
		h.started++
		go func(tasks <-chan *pfTask) {
			for t := range tasks {
				t.work()
			}
		}(h.tasks)
	}
	tasks := h.tasks
	h.mu.Unlock()
	for i := 0; i < want; i++ {
		select {
		case tasks <- t:
		default:
			return
		}
	}
}
