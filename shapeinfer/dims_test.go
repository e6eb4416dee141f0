package shapeinfer

import (
	"errors"
	"strings"
	"testing"
)

func TestDeclaredDims(t *testing.T) {
	m := buildModel(t, 17, []string{
		"ids: i64[batch_size, sequence_length]",
		"mask: i64[batch_size, past_sequence_length + sequence_length]",
		"past: f32[batch_size, 2, past_sequence_length, 8]",
		"enc: f32[batch_size, encoder_sequence_length / 2, 8]",
		"enc2: f32[batch_size, encoder_sequence_length / 2, 8]",
		"img: f32[?, 3, ?, unk__4]",
		"odd: f32[seq-len, 2 * (sequence_length + 1), DynamicDimension.0, (batch_size), 2 * 4]",
		"fl: f32[sequence_length // 2, None, -1]",
	}, []string{"y = Relu(ids)"})
	decl := DeclaredDims(m)
	want := map[string][]string{
		"ids":  {"batch_size", "sequence_length"},
		"mask": {"batch_size", "past_sequence_length + sequence_length"},
		"past": {"batch_size", "2", "past_sequence_length", "8"},
		"enc":  {"batch_size", `enc_dim1 (label "encoder_sequence_length / 2")`, "8"},
		"enc2": {"batch_size", `enc_dim1 (label "encoder_sequence_length / 2")`, "8"},
		"img":  {`img_dim0 (anonymous)`, "3", `img_dim2 (anonymous)`, `img_dim3 (anonymous "unk__4")`},
		"odd":  {`odd_dim0 (label "seq-len")`, "2 * sequence_length + 2", `odd_dim2 (anonymous "DynamicDimension.0")`, "batch_size", "8"},
		"fl":   {"sequence_length / 2", `fl_dim1 (anonymous "None")`, `fl_dim2 (anonymous)`},
	}
	for in, w := range want {
		var got []string
		for _, d := range decl[in] {
			got = append(got, d.String())
		}
		if strings.Join(got, " | ") != strings.Join(w, " | ") {
			t.Errorf("%s: %q, want %q", in, got, w)
		}
	}
	res, err := Infer(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Values["img"].String(); got != "float32[img_dim0, 3, img_dim2, img_dim3]" {
		t.Errorf("img = %s: three anonymous dims must stay three symbols", got)
	}
	if got := res.Values["mask"].String(); got != "int64[batch_size, past_sequence_length + sequence_length]" {
		t.Errorf("mask = %s", got)
	}
	if b := res.Bounds["img_dim0"]; b.Max != 8 {
		t.Errorf("img_dim0 bound %v: axis 0 defaults to the batch bound", b)
	}
	if b := res.Bounds["img_dim2"]; b.Max != 65535 {
		t.Errorf("img_dim2 bound %v", b)
	}
}

// TestUnify: the dims a graph pins become constants or expressions over
// the free dims, with the node that pins them.
func TestUnify(t *testing.T) {
	m := buildModel(t, 17, []string{
		"x: f32[batch_size, 2, sequence_length, 8]",
		"past: f32[batch_size, 2, past_sequence_length, kv_cache_dim]",
		"mask: f32[batch_size, 1, sequence_length, total_sequence_length]",
		"img: f32[n, num_channels, h, w]",
		"w: f32{4,3,1,1}",
	}, []string{
		"k = Concat(past, x) axis=2",
		"s = MatMul(x, kt)",
		"kt = Transpose(k) perm=[0,1,3,2]",
		"a = Add(s, mask)",
		"c = Conv(img, w)",
	})
	res, err := Infer(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rels []string
	for _, r := range res.Relations {
		rels = append(rels, r.String())
	}
	want := []string{
		`kv_cache_dim = 8 (fixed by node "n0" (Concat))`,
		`total_sequence_length = past_sequence_length + sequence_length (fixed by node "n3" (Add))`,
		`num_channels = 3 (fixed by node "n4" (Conv))`,
	}
	if strings.Join(rels, "\n") != strings.Join(want, "\n") {
		t.Errorf("relations:\n%s\nwant:\n%s", strings.Join(rels, "\n"), strings.Join(want, "\n"))
	}
	if got := res.Values["past"].String(); got != "float32[batch_size, 2, past_sequence_length, 8]" {
		t.Errorf("past = %s", got)
	}
	if got := res.Values["mask"].String(); got != "float32[batch_size, 1, sequence_length, past_sequence_length + sequence_length]" {
		t.Errorf("mask = %s", got)
	}
	if got := strings.Join(res.FreeDims(), " "); got != "batch_size h n past_sequence_length sequence_length w" {
		t.Errorf("free dims %s", got)
	}
	if len(res.Constraints) != 0 {
		t.Errorf("constraints %v", res.Constraints)
	}
	// Binding: the mask gets past + sequence, kv_cache_dim 8.
	env, err := res.Bind(map[string]int64{"past_sequence_length": 4, "sequence_length": 3}, func(string) int64 { return 1 })
	if err != nil {
		t.Fatal(err)
	}
	if env["total_sequence_length"] != 7 || env["kv_cache_dim"] != 8 {
		t.Errorf("env %v", env)
	}
	// A given derived dim solves for a free one.
	env, err = res.Bind(map[string]int64{"total_sequence_length": 9, "sequence_length": 2}, func(string) int64 { return 1 })
	if err != nil || env["past_sequence_length"] != 7 {
		t.Errorf("env %v, %v", env, err)
	}
	if _, err := res.Bind(map[string]int64{"kv_cache_dim": 4}, func(string) int64 { return 1 }); err == nil {
		t.Errorf("kv_cache_dim = 4 was accepted; the graph fixes it to 8")
	}
	// A user bound that the pinned value breaks is an error naming both.
	_, err = Infer(m, Options{Bounds: Bounds{"kv_cache_dim": {Min: 1, Max: 4}}})
	if !errors.Is(err, ErrInconsistent) || !strings.Contains(err.Error(), "kv_cache_dim must be 8") {
		t.Errorf("err = %v", err)
	}
	// Freezing an expression dim pins one of its symbols.
	res, err = Infer(m, Options{Freeze: map[string]int64{"total_sequence_length": 12, "sequence_length": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Values["past"].String(); got != "float32[batch_size, 2, 11, 8]" {
		t.Errorf("past = %s", got)
	}
}

// TestUnifyContradiction: two nodes pinning one dim to different sizes
// is an inconsistency naming the second node and the first relation.
func TestUnifyContradiction(t *testing.T) {
	m := buildModel(t, 17, []string{"a: f32[d]", "b: f32{8}", "c: f32{16}"},
		[]string{"x = Add(a, b)", "y = Add(a, c)"})
	_, err := Infer(m, Options{})
	if !errors.Is(err, ErrInconsistent) || !strings.Contains(err.Error(), `"n1"`) || !strings.Contains(err.Error(), `d = 8 (fixed by node "n0" (Add))`) {
		t.Errorf("err = %v", err)
	}
}

// TestUnsolvedSearch: an equation unification cannot solve (a ViT's patch
// count) is satisfied by searching the dims it involves.
func TestUnsolvedSearch(t *testing.T) {
	m := buildModel(t, 17, []string{"img: f32[b, 3, height, width]", "w: f32{8,3,4,4}", "pos: f32{1,16,8}", "shape: i64{0,8,-1}"},
		[]string{"c = Conv(img, w) strides=[4,4]", "r = Reshape(c, shape)", "t = Transpose(r) perm=[0,2,1]", "y = Add(t, pos)"})
	res, err := Infer(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unsolved) != 1 {
		t.Fatalf("unsolved %v", res.Constraints)
	}
	env, err := res.Bind(nil, func(string) int64 { return 7 })
	if err != nil {
		t.Fatal(err)
	}
	if (env["height"]/4)*(env["width"]/4) != 16 {
		t.Errorf("env %v breaks %s", env, res.Constraints[0])
	}
}

// TestUnsolvedSearchPerDim: two equations, one per dim (YOLO's concat
// of an upsampled map with a skip connection: height and width must each
// be even). The search over height is judged by height's equation alone:
// width's, still broken until its own round, must not hide height = 2.
func TestUnsolvedSearchPerDim(t *testing.T) {
	m := buildModel(t, 17, []string{"img: f32[b, 3, height, width]", "roi: f32{0}", "scales: f32{4}=1,1,2,2"},
		[]string{"p = MaxPool(img) kernel_shape=[2,2] strides=[2,2]", "u = Resize(p, roi, scales) mode=nearest", "y = Concat(img, u) axis=1"})
	res, err := Infer(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unsolved) != 2 {
		t.Fatalf("want 2 unsolved equations, got %v", res.Unsolved)
	}
	env, err := res.Bind(nil, func(string) int64 { return 7 })
	if err != nil {
		t.Fatal(err)
	}
	if h, w := env["height"], env["width"]; h%2 != 0 || w%2 != 0 {
		t.Errorf("env %v: height and width must be even", env)
	}
}

// TestExpressionDimPrints: an expression dim_param times another dim
// prints as what it means (the old single symbol printed
// "batch_size * past_sequence_length + sequence_length" for B·(P+S)).
func TestExpressionDimPrints(t *testing.T) {
	m := buildModel(t, 17, []string{"ids: i64[batch_size, sequence_length]", "past: f32[batch_size, past_sequence_length]", "mask: i64[batch_size, past_sequence_length + sequence_length]"},
		[]string{"n = Size(mask)"})
	res, err := Infer(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Values["n"].Value[0]
	if got.String() != "batch_size * past_sequence_length + batch_size * sequence_length" {
		t.Errorf("Size(mask) = %s", got)
	}
	back, err := ParseExpr(got.String())
	if err != nil || !back.Equal(got) {
		t.Errorf("%s parses back as %s (%v)", got, back, err)
	}
}
