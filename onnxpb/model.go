// Package onnxpb holds the Go types of the ONNX protobuf schema
// (generated from onnx.proto) and the model loader the converter and the
// ONNX interpreter build on.
//
// Load maps the model file and every external data file read-only; tensor
// bytes (raw_data and external data) are slices of those mappings, so a
// model's weights are never held twice in memory. The slices stay valid
// until Close.
package onnxpb

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/webnn-graph/webnn-graph/internal/confine"
)

// MinIRVersion is the oldest ONNX IR version the loader accepts (the first
// with opset_import).
const MinIRVersion = 3

// Model is a loaded ONNX model.
type Model struct {
	Proto  *ModelProto
	Path   string           // model file path ("" when parsed from bytes)
	Opsets map[string]int64 // domain → version; "" is ai.onnx (also when written "ai.onnx")

	name    string        // how errors name the model: Path, or "model" for Parse
	baseDir string        // directory external data locations are relative to
	allow   []string      // directories external data may also lie in (LoadOptions)
	root    *confine.Root // baseDir's root, made on first external access

	mu      sync.Mutex
	closed  bool
	maps    map[string]*mappedFile // external data files by cleaned location
	modelMM []byte                 // mapping of the model file itself (Load), nil otherwise
	modelFD *os.File               // the model file, open while modelMM is (keepOpen), else nil
	// keptOpen counts the mapped files kept open for FileRange.
	keptOpen int
	aliased  []*TensorProto // tensors whose RawData points into modelMM
}

// LoadOptions widen what Load may read.
type LoadOptions struct {
	// AllowExternal lists directories outside the model's own that
	// external data may lie in (or link into): --allow-external-path.
	AllowExternal []string
}

// Load reads the ONNX model at path. External data files are resolved
// relative to the model's directory, with every link followed, and must
// be regular files whose real path lies inside the model directory's real
// path (see package confine); they are mapped on first use.
func Load(path string) (*Model, error) { return LoadWithOptions(path, LoadOptions{}) }

// LoadWithOptions is Load with options.
func LoadWithOptions(path string, opts LoadOptions) (*Model, error) {
	data, fd, unmap, err := mapFile(path)
	if err != nil {
		return nil, fmt.Errorf("onnx: %v", err)
	}
	m, err := parse(data, filepath.Dir(path), path)
	if err != nil {
		fd.Close()
		unmap()
		return nil, err
	}
	m.allow = opts.AllowExternal
	m.Path = path
	if m.aliased == nil {
		// Nothing points into the mapping: give it back now.
		fd.Close()
		unmap()
	} else {
		m.modelMM = data
		if m.keepOpen(len(data)) {
			m.modelFD = fd
		} else {
			fd.Close()
		}
	}
	return m, nil
}

// Parse decodes an ONNX model from data; external data locations are
// resolved relative to baseDir. Tensor raw_data may alias data, which the
// caller must therefore keep unchanged while the model is in use.
func Parse(data []byte, baseDir string) (*Model, error) {
	return parse(data, baseDir, "model")
}

func parse(data []byte, baseDir, name string) (*Model, error) {
	mp, aliased, err := unmarshalModel(data)
	if err != nil {
		return nil, fmt.Errorf("onnx: %s: not an ONNX model: %s", name, protoErr(err))
	}
	m := &Model{Proto: mp, name: name, baseDir: baseDir, aliased: aliased}
	if err := m.check(); err != nil {
		return nil, err
	}
	return m, nil
}

// check validates what every consumer relies on: IR version, opsets, a
// graph, no sparse initializers.
func (m *Model) check() error {
	mp := m.Proto
	if mp.GetIrVersion() == 0 && mp.GetGraph() == nil {
		return fmt.Errorf("onnx: %s: not an ONNX model: no ir_version and no graph", m.name)
	}
	if v := mp.GetIrVersion(); v < MinIRVersion {
		return fmt.Errorf("onnx: %s: IR version %d is not supported (need %d or later)", m.name, v, MinIRVersion)
	}
	if mp.GetGraph() == nil {
		return fmt.Errorf("onnx: %s: model has no graph", m.name)
	}
	m.Opsets = make(map[string]int64, len(mp.GetOpsetImport()))
	for _, o := range mp.GetOpsetImport() {
		d := o.GetDomain()
		if d == "ai.onnx" {
			d = ""
		}
		if v, dup := m.Opsets[d]; dup && v != o.GetVersion() {
			return fmt.Errorf("onnx: %s: opset for domain %q imported twice (versions %d and %d)", m.name, o.GetDomain(), v, o.GetVersion())
		}
		m.Opsets[d] = o.GetVersion()
	}
	return checkGraph(m.name, mp.GetGraph())
}

// checkGraph refuses sparse initializers, and a graph input or an
// initializer named twice (a reader would silently pick one, or invent a
// second input), in g and in its subgraphs.
func checkGraph(name string, g *GraphProto) error {
	if s := g.GetSparseInitializer(); len(s) > 0 {
		return fmt.Errorf("onnx: %s: sparse initializer %q is not supported", name, s[0].GetValues().GetName())
	}
	seen := make(map[string]bool, len(g.GetInput()))
	for _, in := range g.GetInput() {
		if seen[in.GetName()] {
			return fmt.Errorf("onnx: %s: graph %q lists input %q twice", name, g.GetName(), in.GetName())
		}
		seen[in.GetName()] = true
	}
	clear(seen)
	for _, t := range g.GetInitializer() {
		if seen[t.GetName()] {
			return fmt.Errorf("onnx: %s: graph %q has two initializers named %q", name, g.GetName(), t.GetName())
		}
		seen[t.GetName()] = true
	}
	for _, n := range g.GetNode() {
		for _, a := range n.GetAttribute() {
			if a.GetG() != nil {
				if err := checkGraph(name, a.GetG()); err != nil {
					return err
				}
			}
			for _, sg := range a.GetGraphs() {
				if err := checkGraph(name, sg); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Graph returns the main graph.
func (m *Model) Graph() *GraphProto { return m.Proto.GetGraph() }

// Close unmaps the model file and the external data files. Byte slices
// returned by RawBytes become invalid; RawBytes and Tensor fail afterwards
// for tensors whose bytes lived in a mapping.
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	var first error
	for _, t := range m.aliased {
		t.RawData = nil
	}
	m.aliased = nil
	if m.modelMM != nil {
		if err := unmapBytes(m.modelMM); err != nil && first == nil {
			first = err
		}
		m.modelMM = nil
	}
	if m.modelFD != nil {
		m.modelFD.Close()
		m.modelFD = nil
	}
	for _, f := range m.maps {
		if err := f.close(); err != nil && first == nil {
			first = err
		}
	}
	m.maps = nil
	return first
}

// ReadTensorFile reads a serialized TensorProto (the input_N.pb /
// output_N.pb files of ONNX's backend test suite).
func ReadTensorFile(path string) (*TensorProto, error) {
	data, err := confine.ReadRegular(path, 0)
	if err != nil {
		return nil, fmt.Errorf("onnx: %v", err)
	}
	t := &TensorProto{}
	if err := proto.Unmarshal(data, t); err != nil {
		return nil, fmt.Errorf("onnx: %s: not a TensorProto: %s", path, protoErr(err))
	}
	return t, nil
}

// protoErr is err's text with the protobuf runtime's deliberately
// randomised separator (a space or a no-break space after "proto:")
// made a plain space, so messages are stable for users and scripts.
func protoErr(err error) string {
	return strings.ReplaceAll(err.Error(), "\u00a0", " ")
}
