package kernel

import (
	"runtime"
	"sync"
)

// ParallelFor calls fn on disjoint chunks [lo,hi) covering [0,n). Chunks are
// at least grain long (grain <= 0 means 1); when n <= grain or only one CPU is
// available, fn(0, n) runs on the calling goroutine. fn must be safe to call
// concurrently on disjoint ranges. ParallelFor returns after every chunk ran.
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
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := chunk; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, hi)
	}
	fn(0, min(chunk, n))
	wg.Wait()
}
