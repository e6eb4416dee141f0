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
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/webnn-graph/webnn-graph/internal/confine"
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
	data, err := confine.ReadRegular(path, 256<<20)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Parse decodes and validates manifest JSON: format, version 1, little
// endianness, known data types, non-negative offsets and byteLength equal
// to numel × element size (int4/uint4: one byte per element).
func Parse(data []byte) (*Manifest, error) {
	var raw struct {
		Format     *string                    `json:"format"`
		Version    *json.Number               `json:"version"`
		Endianness *string                    `json:"endianness"`
		Tensors    map[string]json.RawMessage `json:"tensors"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("manifest: invalid JSON: %v", err)
	}
	if dec.More() {
		return nil, errors.New("manifest: trailing data after the JSON object")
	}
	m := &Manifest{Version: 1, Endianness: "little", Tensors: map[string]Entry{}}
	if raw.Format != nil {
		m.Format = *raw.Format
		if m.Format != Format && m.Format != "webnn-weights-manifest" {
			return nil, fmt.Errorf("manifest: format %q is not %q", m.Format, Format)
		}
	}
	if raw.Version != nil {
		if string(*raw.Version) != "1" {
			return nil, fmt.Errorf("manifest: version %s is not supported (want 1)", *raw.Version)
		}
	}
	if raw.Endianness != nil {
		m.Endianness = *raw.Endianness
		if m.Endianness != "little" {
			return nil, fmt.Errorf("manifest: endianness %q is not supported (want \"little\")", m.Endianness)
		}
	}
	if raw.Tensors == nil {
		return nil, errors.New("manifest: missing \"tensors\" object")
	}
	for _, name := range sortedKeys(raw.Tensors) {
		var e struct {
			DataType   *string   `json:"dataType"`
			Shape      *[]uint64 `json:"shape"`
			ByteOffset *uint64   `json:"byteOffset"`
			ByteLength *uint64   `json:"byteLength"`
			Layout     *string   `json:"layout"`
		}
		if err := json.Unmarshal(raw.Tensors[name], &e); err != nil {
			return nil, fmt.Errorf("manifest: tensor %q: %v", name, err)
		}
		if e.ByteOffset == nil || e.ByteLength == nil {
			return nil, fmt.Errorf("manifest: tensor %q: missing byteOffset or byteLength", name)
		}
		const maxInt = 1<<63 - 1
		if *e.ByteOffset > maxInt || *e.ByteLength > maxInt || *e.ByteOffset+*e.ByteLength > maxInt || *e.ByteOffset+*e.ByteLength < *e.ByteOffset {
			return nil, fmt.Errorf("manifest: tensor %q: byte range %d+%d overflows", name, *e.ByteOffset, *e.ByteLength)
		}
		ent := Entry{ByteOffset: int64(*e.ByteOffset), ByteLength: int64(*e.ByteLength)}
		if e.Layout != nil {
			ent.Layout = *e.Layout
			if ent.Layout != "row-major" && ent.Layout != "" {
				return nil, fmt.Errorf("manifest: tensor %q: layout %q is not supported (want \"row-major\")", name, ent.Layout)
			}
		}
		if e.DataType != nil || e.Shape != nil {
			if e.DataType == nil || e.Shape == nil {
				return nil, fmt.Errorf("manifest: tensor %q: dataType and shape must be given together", name)
			}
			dt, err := tensor.ParseWebNN(*e.DataType)
			if err != nil {
				return nil, fmt.Errorf("manifest: tensor %q: %v", name, err)
			}
			ent.DataType = dt.String()
			ent.Shape = make([]int64, len(*e.Shape))
			n := uint64(1)
			overflow := false
			for i, d := range *e.Shape {
				if d > maxInt {
					overflow = true
				}
				ent.Shape[i] = int64(d)
				if d != 0 && n > maxInt/d {
					overflow = true
				}
				n *= d
			}
			if overflow || n > maxInt/uint64(dt.Size()) {
				return nil, fmt.Errorf("manifest: tensor %q: shape %v is too large", name, *e.Shape)
			}
			if want := int64(n) * int64(dt.Size()); want != ent.ByteLength {
				return nil, fmt.Errorf("manifest: tensor %q: byteLength %d does not match %s%v (%d bytes)", name, ent.ByteLength, ent.DataType, ent.Shape, want)
			}
		}
		m.Tensors[name] = ent
	}
	return m, nil
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
		Format     string           `json:"format"`
		Version    int              `json:"version"`
		Endianness string           `json:"endianness"`
		Tensors    map[string]entry `json:"tensors"`
	}{Format, 1, "little", map[string]entry{}}
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
