package conformance

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
)

const dynamicExpectedFailuresFile = "testdata/onnx-node-lowered-dynamic-expected.txt"

// TestONNXNodeLoweredDynamic runs the ONNX backend tests again with every
// input dim of size v >= 2 made the bounded symbol "d<v>" (max 2v), the way
// users convert models (batch and sequence dims kept dynamic), so the
// symbolic-shape path of the lowering and the runtime's dim binding are
// checked on every op. Refusing a dynamic dim is allowed (counted); wrong
// numbers are not: a failure must be listed in
// testdata/onnx-node-lowered-dynamic-expected.txt or in the static list.
func TestONNXNodeLoweredDynamic(t *testing.T) {
	root := filepath.Dir(testenv.ONNXNodeTests(t))
	static, err := readExpectations(expectedFailuresFile)
	if err != nil {
		t.Fatal(err)
	}
	expected, err := readExpectations(dynamicExpectedFailuresFile)
	if err != nil {
		t.Fatal(err)
	}
	current := expectations{}
	for _, suite := range nodeSuites {
		dirs, _ := filepath.Glob(filepath.Join(root, suite.dir, "test_*"))
		if len(dirs) == 0 {
			continue
		}
		sort.Strings(dirs)
		var counts [4]int
		var panics int
		start := time.Now()
		for _, dir := range dirs {
			key := filepath.Base(dir)
			if suite.dir != "node" {
				key = suite.dir + "/" + key
			}
			r := runWithTimeout(dir, true)
			counts[r.outcome]++
			why := strings.ReplaceAll(r.reason, "\n", " ")
			if r.panic {
				panics++
				t.Logf("PANIC/HANG %s: %s", key, why)
			}
			_, listed := expected[key]
			_, staticListed := static[key]
			switch r.outcome {
			case failed:
				if !staticListed {
					current[key] = why
				}
				if !listed && !staticListed {
					t.Errorf("%s (dynamic dims): %s", key, why)
				}
			case passed:
				if listed {
					t.Logf("%s passes now with dynamic dims; remove it from %s", key, dynamicExpectedFailuresFile)
				}
			case refused:
				t.Logf("%s (dynamic dims): refused: %s", key, why)
			}
		}
		testenv.Report("%s-dynamic: %d passed, %d failed, %d refused, %d skipped (%d panics/hangs, %.1fs)",
			suite.label, counts[passed], counts[failed], counts[refused], counts[skipped], panics, time.Since(start).Seconds())
	}
	if updating() {
		if err := writeExpectations(dynamicExpectedFailuresFile, dynamicHeader, current); err != nil {
			t.Fatal(err)
		}
	}
}

const dynamicHeader = `ONNX backend tests that FAIL (wrong numbers, errors, panics) when their
input dims are made dynamic ("d<v>", bounded to 2v) but are not in
onnx-node-lowered-expected.txt. Each is a bug of the dynamic-shape path.
Regenerate: CONFORMANCE_UPDATE=1 go test ./conformance -run TestONNXNodeLoweredDynamic`
