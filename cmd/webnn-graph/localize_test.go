package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/manifest"
)

// TestLocalizePerturbedWeight converts a zoo decoder to files, changes one
// byte of one weight in model.weights (as a corrupted upload or a stale
// weights file would), and checks that verify --graph DIR --localize fails
// and names exactly the ONNX node that consumes that weight, with dynamic
// dims bound from generated inputs.
func TestLocalizePerturbedWeight(t *testing.T) {
	cases := []struct {
		model   string
		weight  string   // weights key (= const name) to corrupt
		convert []string // extra convert flags (bounds the graph is made with)
		verify  []string // extra verify flags (dims of the generated inputs)
	}{
		{"smollm-tiny", "onnx__MatMul_730", nil, []string{"--dim", "sequence_length=5", "--dim", "past_sequence_length=3"}},
		{"gpt2-tiny", "transformer_h_1_mlp_c_fc_weight", []string{"--dim", "sequence_length=64", "--dim", "batch_size=2"}, []string{"--dim", "batch_size=2"}},
		{"gpt2-tiny", "transformer_h_1_ln_2_weight", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.model+"/"+c.weight, func(t *testing.T) {
			model := filepath.Join(testenv.ZooModel(t, c.model), "model.onnx")
			dir := filepath.Join(t.TempDir(), "g")
			if status, _, stderr := cli(t, append([]string{"convert", "-q", model, "-o", dir}, c.convert...)...); status != 0 {
				t.Fatalf("convert: %d %s", status, stderr)
			}
			g, err := emit.LoadGraphFile(filepath.Join(dir, "model.webnn"))
			if err != nil {
				t.Fatal(err)
			}
			want := ""
			for _, n := range g.Nodes {
				if slices.Contains(n.Inputs, c.weight) {
					want = n.Comment
					break
				}
			}
			if want == "" {
				t.Fatalf("no node reads %s", c.weight)
			}
			man, err := manifest.Read(filepath.Join(dir, "manifest.json"))
			if err != nil {
				t.Fatal(err)
			}
			e, ok := man.Tensors[c.weight]
			if !ok {
				t.Fatalf("%s not in the manifest", c.weight)
			}
			wpath := filepath.Join(dir, "model.weights")
			b, err := os.ReadFile(wpath)
			if err != nil {
				t.Fatal(err)
			}
			// The high byte of element 3 (sign and exponent): a weight below 2
			// in magnitude becomes about 2^128 times larger.
			b[e.ByteOffset+3*4+3] ^= 0x40
			if err := os.WriteFile(wpath, b, 0o644); err != nil {
				t.Fatal(err)
			}
			status, stdout, stderr := cli(t, append([]string{"verify", model, "--graph", dir, "--localize"}, c.verify...)...)
			if status != 1 {
				t.Fatalf("verify --localize: exit %d, want 1\n%s\n%s", status, stdout, stderr)
			}
			named := `first diverging node "` + want + `"`
			if !strings.Contains(stdout, named) || !strings.Contains(stderr, `first diverging node: "`+want+`"`) {
				t.Fatalf("verify --localize does not name %q\nstdout:\n%s\nstderr:\n%s", want, stdout, stderr)
			}
			if !strings.Contains(stdout, "the graph's constant is not the model's initializer") {
				t.Errorf("the corrupted weight is not shown as the differing input:\n%s", stdout)
			}
		})
	}
}

// TestLocalizePassing checks that --localize adds nothing when the
// runtimes agree.
func TestLocalizePassing(t *testing.T) {
	status, stdout, stderr := cli(t, "verify", exampleModel(t), "--localize")
	if status != 0 || strings.Contains(stdout, "localize") {
		t.Fatalf("verify --localize on a correct conversion: exit %d\n%s\n%s", status, stdout, stderr)
	}
}
