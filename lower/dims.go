// Dim settings from outside the command line: a dims file (--dims-file)
// and the model's own metadata_props, in one JSON form.

package lower

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/webnn-graph/webnn-graph/internal/jsonkeys"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
)

// Metadata keys read for dim settings. Each value is JSON:
//
//	webnn-graph:dims        the --dims-file form (name → value, or name → {"min":…,"max":…})
//	freeDimensionOverrides  ONNX Runtime's form (name → value)
//
// A name is a dim symbol, a dim_param as written, or <input>_dim<axis>.
// Command-line settings and a dims file override the metadata.
var MetadataDimKeys = []string{"webnn-graph:dims", "freeDimensionOverrides"}

// DimSettings are dim bounds and frozen values with where each came from.
type DimSettings struct {
	Bounds  shapeinfer.Bounds
	Freeze  map[string]int64
	Sources map[string]string // name → "--dim", "--freeze", "dims file", "model metadata"
}

// ParseDims reads dim settings in JSON: an object of name → integer
// (frozen) or name → {"min": N, "max": M} / {"max": M} (bounded), or an
// object with a "freeDimensionOverrides" member of name → integer (ONNX
// Runtime's session option, other members ignored).
func ParseDims(data []byte, source string) (*DimSettings, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%s: want a JSON object of dim name → value or {\"min\", \"max\"}: %v", source, err)
	}
	if err := jsonkeys.Unique(data); err != nil {
		return nil, fmt.Errorf("%s: %v", source, err)
	}
	if raw, ok := top["freeDimensionOverrides"]; ok {
		top = nil
		if err := json.Unmarshal(raw, &top); err != nil {
			return nil, fmt.Errorf("%s: freeDimensionOverrides: want an object of dim name → value: %v", source, err)
		}
	}
	out := &DimSettings{Bounds: shapeinfer.Bounds{}, Freeze: map[string]int64{}, Sources: map[string]string{}}
	names := make([]string, 0, len(top))
	for k := range top {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		raw := top[name]
		if name == "" {
			return nil, fmt.Errorf("%s: empty dim name", source)
		}
		var v float64
		if err := json.Unmarshal(raw, &v); err == nil {
			if v < 0 || v != math.Trunc(v) || v > math.MaxInt32 {
				return nil, fmt.Errorf("%s: dim %q: %v is not a size", source, name, v)
			}
			out.Freeze[name] = int64(v)
			out.Sources[name] = source
			continue
		}
		var r struct {
			Min *float64 `json:"min"`
			Max *float64 `json:"max"`
		}
		if err := json.Unmarshal(raw, &r); err != nil || r.Max == nil {
			return nil, fmt.Errorf("%s: dim %q: want an integer or {\"min\": N, \"max\": M}", source, name)
		}
		lo := 1.0
		if r.Min != nil {
			lo = *r.Min
		}
		hi := *r.Max
		if lo < 0 || hi < 1 || lo > hi || lo != math.Trunc(lo) || hi != math.Trunc(hi) || hi > math.MaxInt32 {
			return nil, fmt.Errorf("%s: dim %q: bounds must be integers with 0 <= min <= max and max >= 1", source, name)
		}
		out.Bounds[name] = shapeinfer.Bound{Min: int64(lo), Max: int64(hi)}
		out.Sources[name] = source
	}
	return out, nil
}

// ModelDims reads the dim settings a model states in its metadata_props
// (MetadataDimKeys). A malformed entry is reported, not applied.
func ModelDims(m *onnxpb.Model) (*DimSettings, []error) {
	out := &DimSettings{Bounds: shapeinfer.Bounds{}, Freeze: map[string]int64{}, Sources: map[string]string{}}
	var errs []error
	for _, key := range MetadataDimKeys {
		for _, p := range m.Proto.GetMetadataProps() {
			if p.GetKey() != key {
				continue
			}
			d, err := ParseDims([]byte(p.GetValue()), fmt.Sprintf("model metadata %q", key))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out.merge(d)
		}
	}
	return out, errs
}

// merge lays o over d: a name set in o replaces d's setting.
func (d *DimSettings) merge(o *DimSettings) {
	for k, v := range o.Freeze {
		delete(d.Bounds, k)
		d.Freeze[k] = v
		d.Sources[k] = o.Sources[k]
	}
	for k, v := range o.Bounds {
		delete(d.Freeze, k)
		d.Bounds[k] = v
		d.Sources[k] = o.Sources[k]
	}
}

// withModelDims returns opts with the model's metadata settings under the
// user's (Options.Dims/Freeze win), and the metadata's problems.
func withModelDims(m *onnxpb.Model, opts Options) (Options, []error) {
	md, errs := ModelDims(m)
	if len(md.Freeze) == 0 && len(md.Bounds) == 0 {
		return opts, errs
	}
	user := &DimSettings{Bounds: shapeinfer.Bounds{}, Freeze: map[string]int64{}, Sources: map[string]string{}}
	for k, v := range opts.Dims {
		user.Bounds[k] = v
		user.Sources[k] = sourceOr(opts.Sources, k, "--dim")
	}
	for k, v := range opts.Freeze {
		user.Freeze[k] = v
		user.Sources[k] = sourceOr(opts.Sources, k, "--freeze")
	}
	md.merge(user)
	opts.Dims, opts.Freeze, opts.Sources = md.Bounds, md.Freeze, md.Sources
	return opts, errs
}

func sourceOr(m map[string]string, k, def string) string {
	if s, ok := m[k]; ok && s != "" {
		return s
	}
	return def
}

// InferDims runs the shape inference Convert runs (model metadata
// settings, unification, bounds tightened to the model's limits) without
// lowering: verify and generate bind their inputs' dims with it.
func InferDims(m *onnxpb.Model, opts Options) (*shapeinfer.Result, error) {
	if m == nil || m.Proto == nil || m.Proto.GetGraph() == nil {
		return nil, fmt.Errorf("lower: model has no graph")
	}
	if err := checkTensorInputs(m); err != nil {
		return nil, err
	}
	opts, _ = withModelDims(m, opts)
	si, _, err := inferTightened(m, opts)
	return si, err
}
