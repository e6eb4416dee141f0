package kernel

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

// Every index is visited exactly once, in chunks of whole grains (but the
// last), for any worker count, including nested calls from inside chunks.
func TestParallelForCoverage(t *testing.T) {
	tests := []struct{ workers, n, grain int }{
		{1, 10, 1}, {2, 1, 1}, {2, 2, 1}, {2, 7, 3}, {4, 1000, 1}, {4, 1000, 7},
		{8, 12, 1}, {3, 100, 200}, {2, 0, 1}, {2, 5, 0},
	}
	for _, tc := range tests {
		for _, nested := range []bool{false, true} {
			seen := make([]atomic.Int32, max(tc.n, 0))
			var badChunk atomic.Int32
			parallelFor(tc.workers, tc.n, tc.grain, func(lo, hi int) {
				if g := max(tc.grain, 1); hi != tc.n && (hi-lo)%g != 0 {
					badChunk.Add(1)
				}
				for i := lo; i < hi; i++ {
					if nested {
						var inner atomic.Int32
						parallelFor(tc.workers, 5, 1, func(a, b int) { inner.Add(int32(b - a)) })
						if inner.Load() != 5 {
							badChunk.Add(1)
						}
					}
					seen[i].Add(1)
				}
			})
			for i := range seen {
				if c := seen[i].Load(); c != 1 {
					t.Fatalf("workers=%d n=%d grain=%d nested=%v: index %d visited %d times", tc.workers, tc.n, tc.grain, nested, i, c)
				}
			}
			if badChunk.Load() != 0 {
				t.Fatalf("workers=%d n=%d grain=%d nested=%v: %d chunks not whole grains (or nested calls incomplete)", tc.workers, tc.n, tc.grain, nested, badChunk.Load())
			}
		}
	}
}

func BenchmarkParallelForTiny(b *testing.B) {
	var sink atomic.Int64
	for i := 0; i < b.N; i++ {
		ParallelFor(12, 1, func(lo, hi int) { sink.Add(int64(hi - lo)) })
	}
}

// A panic in any chunk, on a helper goroutine or the caller, comes back to
// the caller as a *recovery.Panic naming where it happened, every time,
// and the pool keeps working afterwards.
func TestParallelForPanic(t *testing.T) {
	for _, workers := range []int{1, 2, 4} {
		for _, at := range []int{0, 500, 999} {
			var got any
			func() {
				defer func() { got = recover() }()
				parallelFor(workers, 1000, 1, func(lo, hi int) {
					var s []int
					if lo <= at && at < hi {
						_ = s[at]
					}
				})
			}()
			if got == nil {
				t.Fatalf("workers %d, panic at %d: not raised", workers, at)
			}
			msg := fmt.Sprint(got)
			if !strings.Contains(msg, "index out of range") || (workers > 1 && !strings.Contains(msg, "parallel_test.go:")) {
				t.Errorf("workers %d: raised %q", workers, msg)
			}
		}
	}
	var sum atomic.Int64
	parallelFor(4, 1000, 1, func(lo, hi int) { sum.Add(int64(hi - lo)) })
	if sum.Load() != 1000 {
		t.Errorf("after panics the pool covered %d of 1000", sum.Load())
	}
}
