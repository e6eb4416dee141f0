package onnxpb

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"google.golang.org/protobuf/proto"
)

// suiteModels lists every model.onnx of the ONNX backend test suite
// directories and of the shared zoo.
func suiteModels(t *testing.T) []string {
	var paths []string
	for _, d := range []string{"node", "pytorch-converted", "pytorch-operator", "simple"} {
		m, _ := filepath.Glob(filepath.Join(testenv.ONNXTestData, d, "*", "model.onnx"))
		paths = append(paths, m...)
	}
	if root := testenv.SharedDir(); root != "" {
		m, _ := filepath.Glob(filepath.Join(root, "zoo", "*", "model.onnx"))
		paths = append(paths, m...)
	}
	sort.Strings(paths)
	return paths
}

// TestLoadSuite loads every model of the ONNX test suite and the zoo and
// decodes every initializer and Constant value (graph-only zoo models are
// checked by TestZooExternal after rebuilding their data).
func TestLoadSuite(t *testing.T) {
	paths := suiteModels(t)
	if len(paths) == 0 {
		t.Skip("skipping: neither libonnx-testdata nor ../shared/zoo is present")
	}
	parsed, failed := 0, 0
	for _, p := range paths {
		err := loadAndDecode(p)
		if err == nil {
			err = sameAsPlainUnmarshal(p)
		}
		if err != nil {
			failed++
			t.Errorf("%s: %v", p, err)
			continue
		}
		parsed++
	}
	fmt.Printf("onnx-load: %d parsed, %d failed\n", parsed, failed)
}

// sameAsPlainUnmarshal checks that the zero-copy decoder gives exactly
// the message proto.Unmarshal gives.
func sameAsPlainUnmarshal(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	plain := &ModelProto{}
	if err := proto.Unmarshal(data, plain); err != nil {
		return err
	}
	fast, aliased, err := unmarshalModel(data)
	if err != nil {
		return err
	}
	if !proto.Equal(plain, fast) {
		return fmt.Errorf("zero-copy decoding differs from proto.Unmarshal")
	}
	for _, t := range aliased {
		if len(t.RawData) > 0 && !within(t.RawData, data) {
			return fmt.Errorf("tensor %q: RawData does not alias the file buffer", t.GetName())
		}
	}
	return nil
}

func loadAndDecode(path string) error {
	m, err := Load(path)
	if err != nil {
		return err
	}
	defer m.Close()
	graphOnly := false
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), "layout.json")); err == nil {
		graphOnly = true
	}
	var walk func(g *GraphProto) error
	walk = func(g *GraphProto) error {
		for _, init := range g.GetInitializer() {
			if graphOnly && isExternal(init) {
				continue
			}
			if _, err := m.Tensor(init); err != nil {
				return err
			}
		}
		for _, n := range g.GetNode() {
			if n.GetOpType() == "Constant" && n.GetDomain() == "" {
				ct, err := ConstantValue(n)
				if err != nil && !strings.Contains(err.Error(), "sparse_value") {
					return err
				}
				if err == nil {
					if _, err := m.Tensor(ct); err != nil {
						return err
					}
				}
			}
			for _, a := range n.GetAttribute() {
				if a.GetG() != nil {
					if err := walk(a.GetG()); err != nil {
						return err
					}
				}
				for _, sg := range a.GetGraphs() {
					if err := walk(sg); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	return walk(m.Graph())
}

// TestZooExternal loads the rebuilt mobilenet_v2 (weights in external
// data) and checks that every initializer's RawBytes is a slice of a
// mapped data file, never a copy, and decodes; inline raw_data must alias the mapped
// model file.
func TestZooExternal(t *testing.T) {
	dir := testenv.ZooModel(t, "mobilenet_v2")
	m, err := Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	external, total := 0, 0
	for _, init := range m.Graph().GetInitializer() {
		b, err := m.RawBytes(init)
		if err != nil {
			t.Fatal(err)
		}
		if !isExternal(init) {
			if len(init.GetRawData()) > 0 && !within(b, m.modelMM) {
				t.Errorf("%s: RawBytes copied raw_data out of the mapped model file", init.GetName())
			}
			continue
		}
		external++
		total += len(b)
		aliased := false
		for _, f := range m.maps {
			aliased = aliased || within(b, f.data)
		}
		if len(b) > 0 && !aliased {
			t.Errorf("%s: RawBytes copied external data", init.GetName())
		}
		if _, err := m.Tensor(init); err != nil {
			t.Fatal(err)
		}
	}
	if external == 0 {
		t.Fatalf("no external initializers in %s", dir)
	}
	t.Logf("%d external initializers, %d bytes, %d files mapped", external, total, len(m.maps))
}

// TestLoadAllocations checks that Load does not copy weights onto the
// heap: loading mobilenet_v2 (6 MB of inline raw_data, 8 MB external)
// and fetching every initializer's bytes must allocate far less than
// the weights.
func TestLoadAllocations(t *testing.T) {
	dir := testenv.ZooModel(t, "mobilenet_v2")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m, err := Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	weights := 0
	for _, init := range m.Graph().GetInitializer() {
		b, err := m.RawBytes(init)
		if err != nil {
			t.Fatal(err)
		}
		weights += len(b)
	}
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("weights %d bytes, allocated %d bytes", weights, allocated)
	if weights < 10<<20 {
		t.Fatalf("only %d weight bytes; is this mobilenet_v2?", weights)
	}
	if allocated > uint64(weights)/3 {
		t.Errorf("Load + RawBytes allocated %d bytes for %d weight bytes: weights are being copied", allocated, weights)
	}
}

// TestLoadLarge loads the rebuilt smollm-135m (651 MB of external data)
// and reads its graph: Load must neither read nor copy the weights.
func TestLoadLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: rebuilds 651 MB of weights; not in -short mode")
	}
	dir := testenv.ZooModel(t, "smollm-135m")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	m, err := Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	elapsed := time.Since(start)
	weights := 0
	for _, init := range m.Graph().GetInitializer() {
		b, err := m.RawBytes(init)
		if err != nil {
			t.Fatal(err)
		}
		weights += len(b)
	}
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("Load %v, %d nodes, weights %d bytes, allocated %d bytes", elapsed, len(m.Graph().GetNode()), weights, allocated)
	if weights < 600<<20 {
		t.Fatalf("only %d weight bytes; is this smollm-135m?", weights)
	}
	if allocated > 64<<20 {
		t.Errorf("Load + RawBytes allocated %d bytes for %d weight bytes", allocated, weights)
	}
}

func BenchmarkLoadMobilenet(b *testing.B) {
	path := filepath.Join(testenv.ZooModel(b, "mobilenet_v2"), "model.onnx")
	b.ReportAllocs()
	for b.Loop() {
		m, err := Load(path)
		if err != nil {
			b.Fatal(err)
		}
		m.Close()
	}
}
