package shapeinfer

import (
	"errors"
	"strings"
	"testing"
)

// TestDerivedMinimum: a size that is negative, or a window or reflect pad
// that does not fit, only below some value of one dim raises that dim's
// lower bound (and a default max below it), is reported with the node,
// and contradicts only a user's explicit bound, naming the --dim that
// works. The minimum is the smallest value that satisfies the node:
// checked one below it.
func TestDerivedMinimum(t *testing.T) {
	stft := []string{"x: f32[batch_size, N]", "w: f32{4,1,320}", "one: i64{1}"}
	for _, tc := range []struct {
		name   string
		values []string
		nodes  []string
		bounds Bounds
		want   Bound  // of N after inference
		report string // substring of the Minimums entry; "" for none
		err    string // substring of the error; "" for none
	}{
		{"conv window over N", stft,
			[]string{"u = Unsqueeze(x, one)", "y = Conv(u, w) strides=[160]"},
			nil, Bound{320, 65535}, `N ≥ 320 (required by node "n1" (Conv): the input size N must be at least the kernel extent 320)`, ""},
		{"conv window over N at axis 0 (default max 8 raised)", []string{"x: f32[N]", "w: f32{4,1,320}", "zo: i64{0,1}"},
			[]string{"u = Unsqueeze(x, zo)", "y = Conv(u, w) strides=[160]"},
			nil, Bound{320, 65535}, `N ≥ 320 (required by node "n1" (Conv): the input size N must be at least the kernel extent 320); the default max 8 was below it and became 65535`, ""},
		{"padded conv window", stft,
			[]string{"u = Unsqueeze(x, one)", "y = Conv(u, w) strides=[160] pads=[100,100]"},
			nil, Bound{120, 65535}, `N ≥ 120 (required by node "n1" (Conv): the input size N padded by 200 must be at least the kernel extent 320)`, ""},
		{"user max above the minimum is kept", stft,
			[]string{"u = Unsqueeze(x, one)", "y = Conv(u, w) strides=[160]"},
			Bounds{"N": {Min: 1, Max: 48000}}, Bound{320, 48000}, `N ≥ 320`, ""},
		{"user max below the minimum", stft,
			[]string{"u = Unsqueeze(x, one)", "y = Conv(u, w) strides=[160]"},
			Bounds{"N": {Min: 1, Max: 100}}, Bound{}, "", `dim N must be at least 320, but --dim bounds it to 1..100: use --dim N=320..65535`},
		{"reflect pad needs a longer axis", []string{"x: f32[batch_size, N]", "p: i64{0,200,0,200}"},
			[]string{"y = Pad(x, p) mode=reflect"},
			nil, Bound{201, 65535}, `N ≥ 201 (required by node "n0" (Pad): reflect padding 200 needs axis 1 (N) to be at least 201)`, ""},
		{"edge pad after a crop", []string{"x: f32[batch_size, N]", "p: i64{0,1,0,-1}"},
			[]string{"y = Pad(x, p) mode=edge"},
			nil, Bound{2, 65535}, `N ≥ 2`, ""},
		{"constant pad needs nothing", []string{"x: f32[batch_size, N]", "p: i64{0,200,0,200}"},
			[]string{"y = Pad(x, p)"},
			nil, Bound{1, 65535}, "", ""},
		{"negative size", []string{"x: f32[batch_size, seq]", "p: i64{0,0,0,-30}"},
			[]string{"y = Pad(x, p)"},
			nil, Bound{30, 4096}, `seq ≥ 30 (required by node "n0" (Pad): output 0 dim 1 (seq - 30) must not be negative)`, ""},
		{"sizes that never go negative", []string{"x: f32[a, b]", "y: f32[a, c]"},
			[]string{"z = Concat(x, y) axis=1"},
			nil, Bound{1, 65535}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := buildModel(t, 17, tc.values, tc.nodes)
			res, err := Infer(m, Options{Bounds: tc.bounds, Sources: map[string]string{"N": "--dim"}})
			if tc.err != "" {
				if !errors.Is(err, ErrInconsistent) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sym := "N"
			if _, ok := res.Bounds[sym]; !ok {
				sym = "seq"
				if _, ok := res.Bounds[sym]; !ok {
					sym = "b"
				}
			}
			if got := res.Bounds[sym]; got != tc.want {
				t.Errorf("bound of %s = %+v, want %+v", sym, got, tc.want)
			}
			var got []string
			for _, d := range res.Minimums {
				got = append(got, d.String())
			}
			if tc.report == "" && len(got) > 0 || tc.report != "" && (len(got) != 1 || !strings.Contains(got[0], tc.report)) {
				t.Errorf("Minimums = %q, want one containing %q", got, tc.report)
			}
			// The minimum is tight: one below it is refused when frozen.
			if tc.report != "" {
				d := res.Minimums[0]
				if _, err := Infer(m, Options{Freeze: map[string]int64{d.Name: d.Min}}); err != nil {
					t.Errorf("frozen at the minimum %d: %v", d.Min, err)
				}
				if _, err := Infer(m, Options{Freeze: map[string]int64{d.Name: d.Min - 1}}); !errors.Is(err, ErrInconsistent) {
					t.Errorf("frozen at %d (below the minimum): err = %v", d.Min-1, err)
				}
			}
		})
	}
}

// TestReadableUnknownDims: messages never show the symbols made up for
// undeterminable sizes.
func TestReadableUnknownDims(t *testing.T) {
	r := &Result{UnknownDims: []string{UnknownDimPrefix + "1_a_slice", UnknownDimPrefix + "12_b_range"},
		UnknownWhy: map[string]string{UnknownDimPrefix + "1_a_slice": `the Slice output size of node "a" (Slice)`}}
	got := r.Readable("length max(0, " + UnknownDimPrefix + "12_b_range - " + UnknownDimPrefix + "1_a_slice) is dynamic")
	if strings.Contains(got, UnknownDimPrefix) || !strings.Contains(got, `is the Slice output size of node "a" (Slice)`) || !strings.Contains(got, "?1") || !strings.Contains(got, "?2") {
		t.Errorf("Readable = %q", got)
	}
	if got := r.Readable("plain N"); got != "plain N" {
		t.Errorf("Readable changed %q", got)
	}
}
