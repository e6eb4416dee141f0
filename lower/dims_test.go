package lower

import (
	"fmt"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/onnxpb"
)

func TestParseDims(t *testing.T) {
	cases := []struct {
		src, want, err string
	}{
		{`{"batch_size": 1, "sequence_length": {"min": 1, "max": 128}, "x_dim2": {"max": 64}}`, "freeze map[batch_size:1] bounds map[sequence_length:{1 128} x_dim2:{1 64}]", ""},
		{`{"freeDimensionOverrides": {"encoder_sequence_length / 2": 1500}, "executionProviders": ["wasm"]}`, "freeze map[encoder_sequence_length / 2:1500] bounds map[]", ""},
		{`{"a": -1}`, "", `dim "a": -1 is not a size`},
		{`{"a": 1.5}`, "", `dim "a": 1.5 is not a size`},
		{`{"a": {"min": 5, "max": 2}}`, "", `bounds must be integers`},
		{`{"a": {"min": 5}}`, "", `want an integer or {"min": N, "max": M}`},
		{`[1, 2]`, "", `want a JSON object`},
		{`{"freeDimensionOverrides": 3}`, "", `freeDimensionOverrides: want an object`},
	}
	for _, c := range cases {
		d, err := ParseDims([]byte(c.src), "test")
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.src, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if got := fmt.Sprintf("freeze %v bounds %v", d.Freeze, d.Bounds); got != c.want {
			t.Errorf("%s: %s, want %s", c.src, got, c.want)
		}
	}
}

// TestModelDims: metadata_props set dims; the user's settings win; a
// malformed entry is a warning, not applied.
func TestModelDims(t *testing.T) {
	m := loadFixture(t, "meta_dims")
	res, err := Convert(m, Options{Freeze: map[string]int64{"DynamicDimension.0": 32}})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Graph.Inputs[0].Desc.String(); got != `f32[1, 3, 32, dyn("x_dim3", 65535)]` {
		t.Errorf("x = %s", got)
	}
	m.Proto.MetadataProps = append(m.Proto.MetadataProps, &onnxpb.StringStringEntryProto{Key: "webnn-graph:dims", Value: "{oops"})
	res, err = Convert(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], `model metadata "webnn-graph:dims"`) {
		t.Errorf("warnings %v", res.Warnings)
	}
}
