package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Names: how the CLI matches the names users give (npz keys, ONNX names)
// to the inputs and outputs of a model or converted graph. A converted
// graph records the ONNX name of every input and output identifier
// (manifest.json "onnxNames"), so matching is exact and never depends on
// the sanitiser, nor on map iteration order: inputs "a.b" and "a_b"
// become a_b and a_b_2, and each npz key binds to the one it names.

// identKey is the identifier the converter gives an ONNX name; it is
// only a fallback for graphs that record no names.
func identKey(s string) string { return emit.Sanitize(s) }

// matchInputs binds every input of specs to exactly one tensor of given
// (an npz's arrays, keys "name" or "in.name"), in three passes, each
// requiring a unique match, a key never bound twice:
//
//  1. the key is the input's Key (its ONNX name when known);
//  2. the key is the input's identifier;
//  3. for a graph that records no names only: the key sanitises to the
//     identifier.
//
// A missing input, an input given twice, an ambiguous key, and a key that
// binds to no input are errors naming them ("out.*" keys are reference
// outputs and are skipped).
func matchInputs(specs []ioSpec, given map[string]*tensor.Tensor, source string) (map[string]*tensor.Tensor, error) {
	var keys []string
	for k := range given {
		if !strings.HasPrefix(k, "out.") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	boundKey := map[string]string{} // given key → input identifier
	bound := map[string]string{}    // input identifier → given key
	bind := func(pass string, name func(s ioSpec) []string) error {
		claims := map[string][]string{} // given key → inputs claiming it this pass
		for _, s := range specs {
			if _, done := bound[s.Name]; done {
				continue
			}
			var found []string
			for _, k := range keys {
				if _, taken := boundKey[k]; taken {
					continue
				}
				base := strings.TrimPrefix(k, "in.")
				for _, n := range name(s) {
					if base == n {
						found = append(found, k)
						break
					}
				}
			}
			switch len(found) {
			case 0:
				continue
			case 1:
				claims[found[0]] = append(claims[found[0]], s.Name)
			default:
				return fmt.Errorf("%s: input %q is given twice (keys %s)", source, s.Key, quoteList(found))
			}
		}
		for _, k := range sortedKeys(claims) {
			ids := claims[k]
			if len(ids) > 1 {
				return fmt.Errorf("%s: key %q is ambiguous: it %s inputs %s", source, k, pass, quoteList(ids))
			}
			boundKey[k], bound[ids[0]] = ids[0], k
		}
		return nil
	}
	if err := bind("names", func(s ioSpec) []string { return []string{s.Key} }); err != nil {
		return nil, err
	}
	if err := bind("names the identifiers of", func(s ioSpec) []string { return []string{s.Name} }); err != nil {
		return nil, err
	}
	// Pass 3: sanitised keys, for graphs that record no names.
	for _, s := range specs {
		if _, done := bound[s.Name]; done || s.Exact {
			continue
		}
		var found []string
		for _, k := range keys {
			if _, taken := boundKey[k]; !taken && identKey(strings.TrimPrefix(k, "in.")) == s.Name {
				found = append(found, k)
			}
		}
		if len(found) > 1 {
			return nil, fmt.Errorf("%s: keys %s all sanitise to input %q; name it exactly", source, quoteList(found), s.Name)
		}
		if len(found) == 1 {
			boundKey[found[0]], bound[s.Name] = s.Name, found[0]
		}
	}

	var missing, extra []string
	for _, s := range specs {
		if _, ok := bound[s.Name]; !ok {
			missing = append(missing, s.Key)
		}
	}
	for _, k := range keys {
		if _, ok := boundKey[k]; !ok {
			extra = append(extra, k)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: missing input(s) %s (have %s)", source, quoteList(missing), quoteList(keys))
	}
	if len(extra) > 0 {
		var want []string
		for _, s := range specs {
			want = append(want, s.Key)
		}
		return nil, fmt.Errorf("%s: key(s) %s match no input (inputs: %s)", source, quoteList(extra), quoteList(want))
	}
	out := map[string]*tensor.Tensor{}
	for _, s := range specs {
		t, err := coerceInput(s, given[bound[s.Name]])
		if err != nil {
			return nil, fmt.Errorf("%s: input %q: %v", source, s.Key, err)
		}
		out[s.Name] = t
	}
	return out, nil
}

// coerceInput converts a given tensor to the type the input takes where
// nothing is lost: int64 to a target's int32 (range-checked), and between
// bool and uint8 (ONNX bool inputs are uint8 in a converted graph, so the
// same npz feeds both).
func coerceInput(s ioSpec, t *tensor.Tensor) (*tensor.Tensor, error) {
	switch {
	case t.DType == tensor.Int64 && s.DType == tensor.Int32:
		// A graph for a target that declares int64 as int32 (docs/
		// formats.md, "Targets"): narrow, refusing values outside int32.
		n, err := narrowInt64(t)
		if err != nil {
			return nil, fmt.Errorf("%v (the graph takes int32)", err)
		}
		return n, nil
	case t.DType == tensor.Bool && s.DType == tensor.Uint8:
		out := tensor.New(tensor.Uint8, t.Shape)
		dst := out.Data.([]uint8)
		for i, v := range t.Data.([]bool) {
			if v {
				dst[i] = 1
			}
		}
		return out, nil
	case t.DType == tensor.Uint8 && s.DType == tensor.Bool:
		out := tensor.New(tensor.Bool, t.Shape)
		dst := out.Data.([]bool)
		for i, v := range t.Data.([]uint8) {
			if v > 1 {
				return nil, fmt.Errorf("element %d is %d; a bool input takes 0 or 1", i, v)
			}
			dst[i] = v == 1
		}
		return out, nil
	}
	return t, nil
}

// castInt64 converts an int64 tensor of small values (ids, a mask, positions)
// to dt: int32, uint8 or bool, refusing values that do not fit.
func castInt64(t *tensor.Tensor, dt tensor.DType) (*tensor.Tensor, error) {
	src := t.Data.([]int64)
	out := tensor.New(dt, t.Shape)
	for i, v := range src {
		switch d := out.Data.(type) {
		case []int32:
			if v < -1<<31 || v >= 1<<31 {
				return nil, fmt.Errorf("element %d is %d, outside int32", i, v)
			}
			d[i] = int32(v)
		case []uint8:
			if v < 0 || v > 255 {
				return nil, fmt.Errorf("element %d is %d, outside uint8", i, v)
			}
			d[i] = uint8(v)
		case []bool:
			d[i] = v != 0
		default:
			return nil, fmt.Errorf("cannot convert int64 to %v", dt)
		}
	}
	return out, nil
}

// findOutput finds the output named name among a runner's outputs: by Key
// exactly, else (a graph that records no names) the unique output whose
// identifier name sanitises to.
func findOutput(r runner, out map[string]*tensor.Tensor, name string) *tensor.Tensor {
	var byIdent []string
	for _, id := range r.Outputs() {
		if r.Key(id) == name {
			return out[id]
		}
		if r.Key(id) == id && id == identKey(name) {
			byIdent = append(byIdent, id)
		}
	}
	if len(byIdent) == 1 {
		return out[byIdent[0]]
	}
	return nil
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
