// Package manifest reads and writes the weights manifest (manifest.json)
// that maps @weights refs to byte ranges of the weights file:
//
//	{"format":"wg-weights-manifest","version":1,"endianness":"little",
//	 "tensors":{name:{"dataType","shape","byteOffset","byteLength","layout":"row-major"}}}
//
// Offsets are absolute file positions, as rustnn and pywebnn read them.
package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/webnn-graph/webnn-graph/internal/confine"
	"github.com/webnn-graph/webnn-graph/internal/jsonkeys"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Format is the format string this package writes. rustnn's own tests use
// "webnn-weights-manifest"; Read accepts both.
const Format = "wg-weights-manifest"

// Manifest is a parsed manifest.json.
type Manifest struct {
	Format     string           `json:"format"`
	Version    int              `json:"version"`
	Endianness string           `json:"endianness"`
	Tensors    map[string]Entry `json:"tensors"`

	// Files pins the output set this manifest belongs to (written by
	// convert): each file's size and SHA-256, so a reader can tell a
	// weights file or graph from another conversion. Nil when absent.
	Files map[string]FilePin `json:"files,omitempty"`
	// ONNXNames maps the graph's input and output identifiers to the ONNX
	// names they were converted from. Nil when absent.
	ONNXNames *NameMap `json:"onnxNames,omitempty"`
	// ONNXTypes gives, for inputs and outputs whose ONNX data type the
	// graph could not keep, that type (an ONNX bool is uint8 in WebNN), so
	// readers can hand back what the ONNX model would. Nil when absent.
	ONNXTypes map[string]string `json:"onnxTypes,omitempty"`
}

// FilePin identifies one file of an output set. For a weights file with a
// WGWT header, SHA256 covers the bytes after the 64-byte header, and the
// header repeats it (see package weights).
type FilePin struct {
	ByteLength int64  `json:"byteLength"`
	SHA256     string `json:"sha256"`
}

// NameMap maps graph identifiers to ONNX names, for inputs and outputs.
type NameMap struct {
	Inputs  map[string]string `json:"inputs"`
	Outputs map[string]string `json:"outputs"`
}

// Entry is one tensor's byte range and descriptor.
type Entry struct {
	DataType   string  `json:"dataType"` // WebNN name: float32, int64, …
	Shape      []int64 `json:"shape"`
	ByteOffset int64   `json:"byteOffset"` // absolute position in the weights file
	ByteLength int64   `json:"byteLength"`
	Layout     string  `json:"layout"` // "row-major"; null/absent read as ""
}

// New returns an empty manifest with the header fields set.
func New() *Manifest {
	return &Manifest{Format: Format, Version: 1, Endianness: "little", Tensors: map[string]Entry{}}
}

// Read reads and validates a manifest file (a regular file; a FIFO is
// refused without blocking).
func Read(path string) (*Manifest, error) {
	data, err := confine.ReadRegular(path, MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// MaxBytes bounds a manifest read whole: 256 MiB is millions of entries,
// far beyond any model.
const MaxBytes = 256 << 20

const maxInt = 1<<63 - 1

// Parse decodes and validates manifest JSON: format, version 1, little
// endianness, known data types, non-negative offsets and byteLength equal
// to numel × element size (int4/uint4: one byte per element, or two per
// byte as the webnn target writes them). A value of
// the wrong JSON type is named in words ("entry "w": dataType must be a
// string"), never as a Go type.
func Parse(data []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("manifest: invalid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("manifest: trailing data after the JSON object")
	}
	if err := jsonkeys.Unique(data); err != nil {
		return nil, fmt.Errorf("manifest: %v", err) // two entries for one tensor: which is meant?
	}
	raw, ok := top.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("manifest: the top level must be an object, not %s", jsonKind(top))
	}
	m := &Manifest{Version: 1, Endianness: "little", Tensors: map[string]Entry{}}
	if v, ok := raw["format"]; ok {
		f, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("manifest: format must be a string, not %s", jsonKind(v))
		}
		m.Format = f
		if m.Format != Format && m.Format != "webnn-weights-manifest" {
			return nil, fmt.Errorf("manifest: format %q is not %q", m.Format, Format)
		}
	}
	if v, ok := raw["version"]; ok {
		n, ok := v.(json.Number)
		if !ok {
			return nil, fmt.Errorf("manifest: version must be a number, not %s", jsonKind(v))
		}
		if string(n) != "1" {
			return nil, fmt.Errorf("manifest: version %s is not supported (want 1)", n)
		}
	}
	if v, ok := raw["endianness"]; ok {
		e, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("manifest: endianness must be a string, not %s", jsonKind(v))
		}
		m.Endianness = e
		if m.Endianness != "little" {
			return nil, fmt.Errorf("manifest: endianness %q is not supported (want \"little\")", m.Endianness)
		}
	}
	tv, ok := raw["tensors"]
	if !ok || tv == nil {
		return nil, errors.New("manifest: missing \"tensors\" object")
	}
	tensors, ok := tv.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("manifest: tensors must be an object, not %s", jsonKind(tv))
	}
	for _, name := range sortedKeys(tensors) {
		ent, err := parseEntry(tensors[name])
		if err != nil {
			return nil, fmt.Errorf("manifest: entry %q: %v", name, err)
		}
		m.Tensors[name] = ent
	}
	if v, ok := raw["files"]; ok && v != nil {
		files, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("manifest: files must be an object, not %s", jsonKind(v))
		}
		m.Files = map[string]FilePin{}
		for _, name := range sortedKeys(files) {
			obj, ok := files[name].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("manifest: files: %q must be an object, not %s", name, jsonKind(files[name]))
			}
			n, err := uintField(obj, "byteLength")
			if err != nil {
				return nil, fmt.Errorf("manifest: files: %q: %v", name, err)
			}
			// An empty sha256 pins by size only (the first
			// --weights-format safetensors sets were written so).
			sum, ok := obj["sha256"].(string)
			if !ok || (sum != "" && (len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "")) {
				return nil, fmt.Errorf("manifest: files: %q: sha256 must be 64 lowercase hex digits", name)
			}
			m.Files[name] = FilePin{ByteLength: int64(n), SHA256: sum}
		}
	}
	if v, ok := raw["onnxNames"]; ok && v != nil {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("manifest: onnxNames must be an object, not %s", jsonKind(v))
		}
		m.ONNXNames = &NameMap{}
		for _, side := range []struct {
			key string
			dst *map[string]string
		}{{"inputs", &m.ONNXNames.Inputs}, {"outputs", &m.ONNXNames.Outputs}} {
			sv, ok := obj[side.key]
			if !ok || sv == nil {
				continue
			}
			sm, ok := sv.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("manifest: onnxNames.%s must be an object, not %s", side.key, jsonKind(sv))
			}
			*side.dst = map[string]string{}
			for _, id := range sortedKeys(sm) {
				s, ok := sm[id].(string)
				if !ok {
					return nil, fmt.Errorf("manifest: onnxNames.%s: %q must be a string, not %s", side.key, id, jsonKind(sm[id]))
				}
				(*side.dst)[id] = s
			}
		}
	}
	if v, ok := raw["onnxTypes"]; ok && v != nil {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("manifest: onnxTypes must be an object, not %s", jsonKind(v))
		}
		m.ONNXTypes = map[string]string{}
		for _, id := range sortedKeys(obj) {
			t, ok := obj[id].(string)
			if !ok || t != "bool" {
				return nil, fmt.Errorf("manifest: onnxTypes: %q must be \"bool\", not %s", id, describe(obj[id]))
			}
			m.ONNXTypes[id] = t
		}
	}
	return m, nil
}

// parseEntry checks one tensors entry.
func parseEntry(v any) (Entry, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return Entry{}, fmt.Errorf("must be an object, not %s", jsonKind(v))
	}
	if _, ok := obj["byteOffset"]; !ok {
		return Entry{}, errors.New("missing byteOffset or byteLength")
	}
	if _, ok := obj["byteLength"]; !ok {
		return Entry{}, errors.New("missing byteOffset or byteLength")
	}
	off, err := uintField(obj, "byteOffset")
	if err != nil {
		return Entry{}, err
	}
	n, err := uintField(obj, "byteLength")
	if err != nil {
		return Entry{}, err
	}
	if off+n > maxInt || off+n < off {
		return Entry{}, fmt.Errorf("byte range %d+%d overflows", off, n)
	}
	ent := Entry{ByteOffset: int64(off), ByteLength: int64(n)}
	if lv, ok := obj["layout"]; ok && lv != nil {
		l, ok := lv.(string)
		if !ok {
			return Entry{}, fmt.Errorf("layout must be a string, not %s", jsonKind(lv))
		}
		ent.Layout = l
		if l != "row-major" && l != "" {
			return Entry{}, fmt.Errorf("layout %q is not supported (want \"row-major\")", l)
		}
	}
	dv, hasDT := obj["dataType"]
	sv, hasShape := obj["shape"]
	if hasDT && dv == nil {
		hasDT = false
	}
	if hasShape && sv == nil {
		hasShape = false
	}
	if !hasDT && !hasShape {
		return ent, nil
	}
	if !hasDT || !hasShape {
		return Entry{}, errors.New("dataType and shape must be given together")
	}
	ds, ok := dv.(string)
	if !ok {
		return Entry{}, fmt.Errorf("dataType must be a string, not %s", jsonKind(dv))
	}
	dt, err := tensor.ParseWebNN(ds)
	if err != nil {
		return Entry{}, err
	}
	arr, ok := sv.([]any)
	if !ok {
		return Entry{}, fmt.Errorf("shape must be an array of non-negative integers, not %s", jsonKind(sv))
	}
	ent.DataType = dt.String()
	ent.Shape = make([]int64, len(arr))
	shape := make([]uint64, len(arr))
	count := uint64(1)
	overflow := false
	for i, x := range arr {
		d, ok := nonNegInt(x)
		if !ok {
			return Entry{}, fmt.Errorf("shape must be an array of non-negative integers; element %d is %s", i, describe(x))
		}
		shape[i] = d
		if d > maxInt {
			overflow = true
		}
		ent.Shape[i] = int64(d)
		if d != 0 && count > maxInt/d {
			overflow = true
		}
		count *= d
	}
	if overflow || count > maxInt/uint64(dt.Size()) {
		return Entry{}, fmt.Errorf("shape %v is too large", shape)
	}
	if want := int64(count) * int64(dt.Size()); want != ent.ByteLength && !((dt == tensor.Int4 || dt == tensor.Uint4) && ent.ByteLength == int64(count/2+count%2)) {
		return Entry{}, fmt.Errorf("byteLength %d does not match %s%v (%d bytes)", ent.ByteLength, ent.DataType, ent.Shape, want)
	}
	return ent, nil
}

// uintField reads obj[key] as a non-negative integer below 2^63.
func uintField(obj map[string]any, key string) (uint64, error) {
	v := obj[key]
	n, ok := nonNegInt(v)
	if !ok || n > maxInt {
		return 0, fmt.Errorf("%s must be a non-negative integer, not %s", key, describe(v))
	}
	return n, nil
}

func nonNegInt(v any) (uint64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	u, err := strconv.ParseUint(string(n), 10, 64)
	return u, err == nil
}

// describe names a JSON value for an error: its kind, and a number's text.
func describe(v any) string {
	if n, ok := v.(json.Number); ok {
		return string(n)
	}
	return jsonKind(v)
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// Check reports the first tensor whose byte range lies beyond a weights
// file of fileSize bytes.
func (m *Manifest) Check(fileSize int64) error {
	for _, name := range m.Names() {
		e := m.Tensors[name]
		if e.ByteOffset < 0 || e.ByteLength < 0 || e.ByteOffset > fileSize || e.ByteLength > fileSize-e.ByteOffset {
			return fmt.Errorf("manifest: tensor %q: bytes [%d, %d) lie beyond the weights file (%d bytes)", name, e.ByteOffset, e.ByteOffset+e.ByteLength, fileSize)
		}
	}
	return nil
}

// Names returns the tensor keys sorted byte-wise (the order the JSON is written in).
func (m *Manifest) Names() []string { return sortedKeys(m.Tensors) }

// Normalize is the key normalisation of webnn-graph's weights resolver:
// "::" → "__", then "." → "_".
func Normalize(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "::", "__"), ".", "_")
}

// Lookup finds the entry for a @weights ref: the exact key first, else the
// unique key whose normalised form equals the normalised ref.
func (m *Manifest) Lookup(ref string) (string, Entry, error) {
	if e, ok := m.Tensors[ref]; ok {
		return ref, e, nil
	}
	nr := Normalize(ref)
	var found []string
	for k := range m.Tensors {
		if Normalize(k) == nr {
			found = append(found, k)
		}
	}
	switch len(found) {
	case 0:
		return "", Entry{}, fmt.Errorf("weights ref %q is not in the manifest", ref)
	case 1:
		return found[0], m.Tensors[found[0]], nil
	}
	sort.Strings(found)
	return "", Entry{}, fmt.Errorf("weights ref %q is ambiguous: manifest keys %q all normalise to %q", ref, found, nr)
}

// WeightLen implements graph.WeightSizes.
func (m *Manifest) WeightLen(ref string) (int64, bool) {
	n, err := m.WeightByteLength(ref)
	return n, err == nil
}

// WeightByteLength is WeightLen with the lookup error.
func (m *Manifest) WeightByteLength(ref string) (int64, error) {
	_, e, err := m.Lookup(ref)
	if err != nil {
		return 0, err
	}
	return e.ByteLength, nil
}

// Marshal renders the manifest as indented JSON (keys sorted), with a
// trailing newline.
func (m *Manifest) Marshal() ([]byte, error) {
	type entry struct {
		DataType   string   `json:"dataType,omitempty"` // absent only for entries read without one
		Shape      *[]int64 `json:"shape,omitempty"`
		ByteOffset int64    `json:"byteOffset"`
		ByteLength int64    `json:"byteLength"`
		Layout     string   `json:"layout"`
	}
	out := struct {
		Format     string             `json:"format"`
		Version    int                `json:"version"`
		Endianness string             `json:"endianness"`
		Tensors    map[string]entry   `json:"tensors"`
		Files      map[string]FilePin `json:"files,omitempty"`
		ONNXNames  *NameMap           `json:"onnxNames,omitempty"`
		ONNXTypes  map[string]string  `json:"onnxTypes,omitempty"`
	}{Format, 1, "little", map[string]entry{}, m.Files, m.ONNXNames, m.ONNXTypes}
	for k, e := range m.Tensors {
		var shape *[]int64
		if e.DataType != "" {
			sh := e.Shape
			if sh == nil {
				sh = []int64{}
			}
			shape = &sh
		}
		layout := e.Layout
		if layout == "" {
			layout = "row-major"
		}
		out.Tensors[k] = entry{e.DataType, shape, e.ByteOffset, e.ByteLength, layout}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return append(b, '\n'), nil
}

// WriteFile writes the manifest atomically: a temporary file in the same
// directory, synced, then renamed over path.
func (m *Manifest) WriteFile(path string) error {
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	tmp := f.Name()
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("manifest: writing %s: %w", path, err)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
