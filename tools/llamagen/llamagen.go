// Package llamagen writes a graph-only Llama-family decoder as ONNX, for
// benchmarks at sizes the model zoo does not ship: the architecture of
// LlamaForCausalLM as the zoo's smollm-135m export runs it (RMSNorm as
// Pow/ReduceMean/Add/Sqrt/Div/Mul, rotary embeddings with rotate-half,
// grouped-query attention repeating the kv heads with Unsqueeze/Expand/
// Reshape, SiLU-gated MLP, optimum's input and output names with a KV
// cache), scaled by a Config, with seeded random weights in external data
// beside model.onnx. Nothing here is committed but this generator: the
// benchmark writes the model into a cache directory outside the
// repository.
package llamagen

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Config is a Llama model's shape.
type Config struct {
	Name          string  `json:"name"`
	Vocab         int     `json:"vocab_size"`
	Hidden        int     `json:"hidden_size"`
	Intermediate  int     `json:"intermediate_size"`
	Layers        int     `json:"num_hidden_layers"`
	Heads         int     `json:"num_attention_heads"`
	KVHeads       int     `json:"num_key_value_heads"`
	MaxPositions  int     `json:"max_position_embeddings"`
	RMSNormEps    float64 `json:"rms_norm_eps"`
	RopeTheta     float64 `json:"rope_theta"`
	Seed          uint64  `json:"seed"`
	WeightStdDev  float64 `json:"initializer_range"`
	PromptLength  int     `json:"-"`
	ExternalBytes int64   `json:"-"`
}

// Llama500M is a ~0.5B-parameter Llama-family decoder (SmolLM's vocabulary
// and head size, 26 layers of width 1024, 4 kv heads for 16 query heads):
// 493M parameters, 1.97 GB of float32 weights.
var Llama500M = Config{Name: "llama-500m", Vocab: 49152, Hidden: 1024, Intermediate: 4096, Layers: 26, Heads: 16, KVHeads: 4,
	MaxPositions: 2048, RMSNormEps: 1e-5, RopeTheta: 10000, Seed: 1, WeightStdDev: 0.02}

// Params is the number of parameters.
func (c Config) Params() int64 {
	d := int64(c.Hidden / c.Heads)
	h, kv, f := int64(c.Hidden), int64(c.KVHeads)*d, int64(c.Intermediate)
	layer := 2*h*h + 2*h*kv + 3*h*f + 2*h
	return 2*int64(c.Vocab)*h + int64(c.Layers)*layer + h
}

// builder accumulates the graph.
type builder struct {
	cfg    Config
	g      *onnxpb.GraphProto
	n      int
	data   *bufio.Writer
	off    int64
	rng    uint64
	consts map[string]string
}

func (b *builder) name(prefix string) string {
	b.n++
	return prefix + "_" + strconv.Itoa(b.n)
}

func (b *builder) node(op string, inputs []string, attrs ...*onnxpb.AttributeProto) string {
	out := b.name(op)
	b.g.Node = append(b.g.Node, &onnxpb.NodeProto{OpType: op, Name: "/" + out, Input: inputs, Output: []string{out}, Attribute: attrs})
	return out
}

func intsAttr(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: v}
}

func intAttr(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: v}
}

// constI64 is an int64 initializer (shared by value).
func (b *builder) constI64(v ...int64) string {
	key := fmt.Sprint("i64", v)
	if n, ok := b.consts[key]; ok {
		return n
	}
	n := b.name("const_i64")
	dims := []int64{int64(len(v))}
	b.g.Initializer = append(b.g.Initializer, &onnxpb.TensorProto{Name: n, Dims: dims, DataType: int32(tensor.Int64), Int64Data: v})
	b.consts[key] = n
	return n
}

// scalarF32 is a float32 scalar initializer (shared by value).
func (b *builder) scalarF32(v float32) string {
	key := fmt.Sprint("f32", v)
	if n, ok := b.consts[key]; ok {
		return n
	}
	n := b.name("const_f32")
	b.g.Initializer = append(b.g.Initializer, &onnxpb.TensorProto{Name: n, DataType: int32(tensor.Float32), FloatData: []float32{v}})
	b.consts[key] = n
	return n
}

// uniform returns a sample of unit variance, uniform on [-√3, √3)
// (xorshift: cheap enough to write two gigabytes of weights in seconds).
func (b *builder) uniform() float32 {
	b.rng ^= b.rng << 13
	b.rng ^= b.rng >> 7
	b.rng ^= b.rng << 17
	return (float32(b.rng>>40)/(1<<24)*2 - 1) * 1.7320508
}

// weight writes an external float32 initializer of dims filled by fill(i)
// (fill nil: mean 0, standard deviation initializer_range), 64-byte
// aligned in the data file.
func (b *builder) weight(name string, dims []int64, fill func(i int) float32) (string, error) {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	if pad := (64 - b.off%64) % 64; pad != 0 {
		if _, err := b.data.Write(make([]byte, pad)); err != nil {
			return "", err
		}
		b.off += pad
	}
	var buf [4096]byte
	std := float32(b.cfg.WeightStdDev)
	for i := int64(0); i < n; {
		m := min(n-i, int64(len(buf)/4))
		for j := int64(0); j < m; j++ {
			var v float32
			if fill != nil {
				v = fill(int(i + j))
			} else {
				v = b.uniform() * std
			}
			binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(v))
		}
		if _, err := b.data.Write(buf[:4*m]); err != nil {
			return "", err
		}
		i += m
	}
	b.g.Initializer = append(b.g.Initializer, &onnxpb.TensorProto{
		Name: name, Dims: dims, DataType: int32(tensor.Float32), DataLocation: onnxpb.TensorProto_EXTERNAL,
		ExternalData: []*onnxpb.StringStringEntryProto{
			{Key: "location", Value: "model.onnx.data"},
			{Key: "offset", Value: strconv.FormatInt(b.off, 10)},
			{Key: "length", Value: strconv.FormatInt(4*n, 10)},
		},
	})
	b.off += 4 * n
	return name, nil
}

func ones(int) float32 { return 1 }

func valueInfo(name string, dt tensor.DType, dims ...any) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		switch v := d.(type) {
		case int:
			shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(v)}})
		case string:
			shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: v}})
		}
	}
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{ElemType: int32(dt), Shape: shape}}}}
}

// Write writes dir/model.onnx, dir/model.onnx.data and dir/meta.json (the
// config and a seeded prompt, as the zoo's meta.json has them).
func Write(dir string, cfg Config) (err error) {
	if cfg.Hidden%cfg.Heads != 0 || cfg.Heads%cfg.KVHeads != 0 || (cfg.Hidden/cfg.Heads)%2 != 0 {
		return fmt.Errorf("llamagen: heads %d, kv heads %d do not divide hidden %d into even head sizes", cfg.Heads, cfg.KVHeads, cfg.Hidden)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "model.onnx.data"))
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	b := &builder{cfg: cfg, g: &onnxpb.GraphProto{Name: cfg.Name}, data: bufio.NewWriterSize(f, 1<<20), rng: cfg.Seed*0x9E3779B97F4A7C15 | 1, consts: map[string]string{}}
	if err := b.build(); err != nil {
		return err
	}
	if err := b.data.Flush(); err != nil {
		return err
	}
	m := &onnxpb.ModelProto{IrVersion: 8, ProducerName: "webnn-graph tools/llamagen", Graph: b.g,
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: "", Version: 17}}}
	raw, err := proto.Marshal(m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "model.onnx"), raw, 0o644); err != nil {
		return err
	}
	prompt := make([]int64, max(cfg.PromptLength, 8))
	for i := range prompt {
		prompt[i] = int64((i*7919 + 101) % cfg.Vocab)
	}
	meta := map[string]any{"name": cfg.Name, "family": "llama (tools/llamagen, graph-only, seeded random weights)", "config": cfg,
		"parameters": cfg.Params(), "prompt_ids": prompt, "weights_bytes": b.off}
	mb, _ := json.MarshalIndent(meta, "", " ")
	return os.WriteFile(filepath.Join(dir, "meta.json"), mb, 0o644)
}

func (b *builder) build() error {
	c := b.cfg
	d := c.Hidden / c.Heads
	g := c.Heads / c.KVHeads
	half := d / 2
	b.g.Input = append(b.g.Input,
		valueInfo("input_ids", tensor.Int64, "batch_size", "sequence_length"),
		valueInfo("attention_mask", tensor.Int64, "batch_size", "total_sequence_length"),
		valueInfo("position_ids", tensor.Int64, "batch_size", "sequence_length"))
	b.g.Output = append(b.g.Output, valueInfo("logits", tensor.Float32, "batch_size", "sequence_length", c.Vocab))
	for l := 0; l < c.Layers; l++ {
		for _, kv := range []string{"key", "value"} {
			b.g.Input = append(b.g.Input, valueInfo(fmt.Sprintf("past_key_values.%d.%s", l, kv), tensor.Float32, "batch_size", c.KVHeads, "past_sequence_length", d))
			b.g.Output = append(b.g.Output, valueInfo(fmt.Sprintf("present.%d.%s", l, kv), tensor.Float32, "batch_size", c.KVHeads, "total_sequence_length", d))
		}
	}
	embed, err := b.weight("model.embed_tokens.weight", []int64{int64(c.Vocab), int64(c.Hidden)}, nil)
	if err != nil {
		return err
	}
	x := b.node("Gather", []string{embed, "input_ids"}, intAttr("axis", 0))

	// Additive mask [b, 1, s, t]: a key is masked when it lies after the
	// query's position or is padding.
	total := b.node("Gather", []string{b.node("Shape", []string{"attention_mask"}), b.constI64(1)}, intAttr("axis", 0))
	keyPos := b.node("Range", []string{b.constScalarI64(0), b.node("Squeeze", []string{total, b.constI64(0)}), b.constScalarI64(1)})
	later := b.node("Greater", []string{keyPos, b.node("Unsqueeze", []string{"position_ids", b.constI64(2)})})
	pad := b.node("Unsqueeze", []string{b.node("Equal", []string{"attention_mask", b.constScalarI64(0)}), b.constI64(1)})
	masked := b.node("Or", []string{later, pad})
	mask := b.node("Unsqueeze", []string{b.node("Where", []string{masked, b.scalarF32(-math.MaxFloat32), b.scalarF32(0)}), b.constI64(1)})

	// Rotary tables [positions, d] (rotate-half layout, both halves alike).
	inv := func(i int) float64 { return math.Pow(c.RopeTheta, -float64(2*(i%half))/float64(d)) }
	cosT, err := b.weight("rotary.cos", []int64{int64(c.MaxPositions), int64(d)}, func(i int) float32 { return float32(math.Cos(float64(i/d) * inv(i%d))) })
	if err != nil {
		return err
	}
	sinT, err := b.weight("rotary.sin", []int64{int64(c.MaxPositions), int64(d)}, func(i int) float32 { return float32(math.Sin(float64(i/d) * inv(i%d))) })
	if err != nil {
		return err
	}
	cos := b.node("Unsqueeze", []string{b.node("Gather", []string{cosT, "position_ids"}, intAttr("axis", 0)), b.constI64(1)})
	sin := b.node("Unsqueeze", []string{b.node("Gather", []string{sinT, "position_ids"}, intAttr("axis", 0)), b.constI64(1)})
	rope := func(t string) string {
		lo := b.node("Slice", []string{t, b.constI64(0), b.constI64(int64(half)), b.constI64(3)})
		hi := b.node("Slice", []string{t, b.constI64(int64(half)), b.constI64(int64(d)), b.constI64(3)})
		rot := b.node("Concat", []string{b.node("Neg", []string{hi}), lo}, intAttr("axis", 3))
		return b.node("Add", []string{b.node("Mul", []string{t, cos}), b.node("Mul", []string{rot, sin})})
	}
	norm := func(t, name string) (string, error) {
		w, err := b.weight(name, []int64{int64(c.Hidden)}, ones)
		if err != nil {
			return "", err
		}
		ms := b.node("ReduceMean", []string{b.node("Pow", []string{t, b.scalarF32(2)})}, intsAttr("axes", -1), intAttr("keepdims", 1))
		r := b.node("Div", []string{b.scalarF32(1), b.node("Sqrt", []string{b.node("Add", []string{ms, b.scalarF32(float32(c.RMSNormEps))})})})
		return b.node("Mul", []string{w, b.node("Mul", []string{t, r})}), nil
	}
	linear := func(t, name string, in, out int) (string, error) {
		w, err := b.weight(name, []int64{int64(in), int64(out)}, nil)
		if err != nil {
			return "", err
		}
		return b.node("MatMul", []string{t, w}), nil
	}
	heads := func(t string, n int) string { // [b, s, n*d] → [b, n, s, d]
		return b.node("Transpose", []string{b.node("Reshape", []string{t, b.constI64(0, 0, int64(n), int64(d))})}, intsAttr("perm", 0, 2, 1, 3))
	}
	repeat := func(t string) string { // [b, kv, L, d] → [b, kv*g, L, d]
		e := b.node("Expand", []string{b.node("Unsqueeze", []string{t, b.constI64(2)}), b.constI64(1, 1, int64(g), 1, 1)})
		return b.node("Reshape", []string{e, b.constI64(0, int64(c.Heads), -1, int64(d))})
	}
	scale := b.scalarF32(float32(math.Sqrt(float64(d))))
	for l := 0; l < c.Layers; l++ {
		p := fmt.Sprintf("model.layers.%d.", l)
		h, err := norm(x, p+"input_layernorm.weight")
		if err != nil {
			return err
		}
		q, err := linear(h, p+"self_attn.q_proj.weight", c.Hidden, c.Heads*d)
		if err != nil {
			return err
		}
		k, err := linear(h, p+"self_attn.k_proj.weight", c.Hidden, c.KVHeads*d)
		if err != nil {
			return err
		}
		v, err := linear(h, p+"self_attn.v_proj.weight", c.Hidden, c.KVHeads*d)
		if err != nil {
			return err
		}
		qr := rope(heads(q, c.Heads))
		kr := rope(heads(k, c.KVHeads))
		presentK := fmt.Sprintf("present.%d.key", l)
		presentV := fmt.Sprintf("present.%d.value", l)
		b.g.Node = append(b.g.Node,
			&onnxpb.NodeProto{OpType: "Concat", Name: "/" + presentK, Input: []string{fmt.Sprintf("past_key_values.%d.key", l), kr}, Output: []string{presentK}, Attribute: []*onnxpb.AttributeProto{intAttr("axis", 2)}},
			&onnxpb.NodeProto{OpType: "Concat", Name: "/" + presentV, Input: []string{fmt.Sprintf("past_key_values.%d.value", l), heads(v, c.KVHeads)}, Output: []string{presentV}, Attribute: []*onnxpb.AttributeProto{intAttr("axis", 2)}})
		kt := b.node("Transpose", []string{repeat(presentK)}, intsAttr("perm", 0, 1, 3, 2))
		scores := b.node("Add", []string{b.node("Div", []string{b.node("MatMul", []string{qr, kt}), scale}), mask})
		probs := b.node("Softmax", []string{scores}, intAttr("axis", -1))
		attn := b.node("MatMul", []string{probs, repeat(presentV)})
		attn = b.node("Reshape", []string{b.node("Transpose", []string{attn}, intsAttr("perm", 0, 2, 1, 3)), b.constI64(0, 0, int64(c.Hidden))})
		o, err := linear(attn, p+"self_attn.o_proj.weight", c.Heads*d, c.Hidden)
		if err != nil {
			return err
		}
		x = b.node("Add", []string{x, o})
		h, err = norm(x, p+"post_attention_layernorm.weight")
		if err != nil {
			return err
		}
		gate, err := linear(h, p+"mlp.gate_proj.weight", c.Hidden, c.Intermediate)
		if err != nil {
			return err
		}
		up, err := linear(h, p+"mlp.up_proj.weight", c.Hidden, c.Intermediate)
		if err != nil {
			return err
		}
		act := b.node("Mul", []string{b.node("Mul", []string{gate, b.node("Sigmoid", []string{gate})}), up})
		down, err := linear(act, p+"mlp.down_proj.weight", c.Intermediate, c.Hidden)
		if err != nil {
			return err
		}
		x = b.node("Add", []string{x, down})
	}
	h, err := norm(x, "model.norm.weight")
	if err != nil {
		return err
	}
	logits, err := linear(h, "lm_head.weight", c.Hidden, c.Vocab)
	if err != nil {
		return err
	}
	b.g.Node = append(b.g.Node, &onnxpb.NodeProto{OpType: "Identity", Name: "/logits", Input: []string{logits}, Output: []string{"logits"}})
	return nil
}

// constScalarI64 is an int64 scalar initializer.
func (b *builder) constScalarI64(v int64) string {
	key := fmt.Sprint("i64s", v)
	if n, ok := b.consts[key]; ok {
		return n
	}
	n := b.name("const_i64s")
	b.g.Initializer = append(b.g.Initializer, &onnxpb.TensorProto{Name: n, DataType: int32(tensor.Int64), Int64Data: []int64{v}})
	b.consts[key] = n
	return n
}
