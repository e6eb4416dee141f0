package main

import (
	"fmt"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// lowerWeights serves lower.Result weights as a graph.WeightSource.
type lowerWeights map[string]lower.Weight

func (l lowerWeights) WeightBytes(ref string) ([]byte, error) {
	w, ok := l[ref]
	if !ok {
		return nil, fmt.Errorf("weight %q not found", ref)
	}
	return w.Data()
}

// kvInput is one past key or value input and the present output that feeds it.
type kvInput struct {
	input   string // graph input identifier
	present string // graph output identifier
	empty   []int  // shape with past length 0 and batch 1
}

// decoder runs greedy decoding on a compiled WebNN program of a decoder LLM
// with optimum's input and output names.
type decoder struct {
	prog                      *webnn.Program
	inputIDs, mask, positions string
	logits                    string
	kv                        []kvInput
	// cache keeps the presents in place between steps (RunCached); nil
	// feeds them back as inputs (Run), as a caller without it would.
	cache *webnn.Cache
}

var pastRe = regexp.MustCompile(`^past_key_values\.(\d+)\.(key|value)$`)

// newDecoder finds the decoder inputs and outputs of prog, matching the ONNX
// names lower.Result.Names gives for the graph identifiers.
func newDecoder(prog *webnn.Program, names map[string]string, useCache bool) (*decoder, error) {
	onnxName := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	}
	d := &decoder{prog: prog}
	presentByONNX := map[string]string{}
	for _, o := range prog.Outputs() {
		n := onnxName(o.Name)
		switch {
		case n == "logits":
			d.logits = o.Name
		case strings.HasPrefix(n, "present."):
			presentByONNX[n] = o.Name
		}
	}
	if d.logits == "" {
		return nil, fmt.Errorf("decoder: the graph has no logits output")
	}
	type layerKV struct {
		layer int
		which string
		kv    kvInput
	}
	var kvs []layerKV
	for _, in := range prog.Inputs() {
		n := onnxName(in.Name)
		switch n {
		case "input_ids":
			d.inputIDs = in.Name
		case "attention_mask":
			d.mask = in.Name
		case "position_ids":
			d.positions = in.Name
		default:
			m := pastRe.FindStringSubmatch(n)
			if m == nil {
				return nil, fmt.Errorf("decoder: input %q (%s) is not a decoder input (want input_ids, attention_mask, position_ids, past_key_values.N.key/value)", in.Name, n)
			}
			layer, _ := strconv.Atoi(m[1])
			pres, ok := presentByONNX["present."+m[1]+"."+m[2]]
			if !ok {
				return nil, fmt.Errorf("decoder: input %s has no present.%s.%s output", n, m[1], m[2])
			}
			if in.Desc.DType != tensor.Float32 {
				return nil, fmt.Errorf("decoder: input %s is %s, want float32", n, in.Desc.DType)
			}
			kvs = append(kvs, layerKV{layer, m[2], kvInput{input: in.Name, present: pres, empty: emptyPastShape(in.Desc)}})
		}
	}
	if d.inputIDs == "" {
		return nil, fmt.Errorf("decoder: the graph has no input_ids input")
	}
	sort.Slice(kvs, func(i, j int) bool {
		if kvs[i].layer != kvs[j].layer {
			return kvs[i].layer < kvs[j].layer
		}
		return kvs[i].which < kvs[j].which
	})
	for _, k := range kvs {
		d.kv = append(d.kv, k.kv)
	}
	if useCache {
		presentOf := map[string]string{}
		for _, k := range d.kv {
			presentOf[k.input] = k.present
		}
		c, err := prog.NewCache(presentOf)
		if err != nil {
			return nil, err
		}
		d.cache = c
	}
	return d, nil
}

// emptyPastShape is a past key/value shape for the prefill: a dynamic dim
// named like the past length is 0, other dynamic dims (batch) are 1.
func emptyPastShape(desc graph.Desc) []int {
	shape := make([]int, len(desc.Shape))
	for i, dm := range desc.Shape {
		switch {
		case dm.IsDynamic() && strings.Contains(strings.ToLower(dm.Name), "past"):
			shape[i] = 0
		case dm.IsDynamic():
			shape[i] = 1
		default:
			shape[i] = int(dm.Size)
		}
	}
	return shape
}

// decodeRun is one greedy decode: the prefill and the single-token steps.
type decodeRun struct {
	tokens  []int64         // 1 from the prefill + one per step
	prefill time.Duration   // the prefill Run call
	steps   []time.Duration // each single-token Run call
	// Go heap activity over the single-token steps, per step.
	allocBytesPerStep float64
	mallocsPerStep    float64
	gcs               uint32
}

// stepHooks bracket the single-token steps of a decode (not the prefill),
// for profiling them.
type stepHooks struct {
	start func() error
	stop  func()
}

// run prefills prompt (past length 0) and then runs steps single-token
// steps, feeding the presents back as the past. hooks may be nil.
func (d *decoder) run(prompt []int64, steps int, hooks *stepHooks) (*decodeRun, error) {
	res := &decodeRun{}
	past := make(map[string]*tensor.Tensor, len(d.kv))
	if d.cache != nil {
		d.cache.Reset()
	} else {
		for _, kv := range d.kv {
			past[kv.input] = tensor.New(tensor.Float32, kv.empty)
		}
	}
	feed := prompt
	pastLen := 0
	var ms0, ms1 runtime.MemStats
	for step := 0; step <= steps; step++ {
		if step == 1 {
			runtime.ReadMemStats(&ms0)
			if hooks != nil {
				if err := hooks.start(); err != nil {
					return nil, err
				}
			}
		}
		in := make(map[string]*tensor.Tensor, len(d.kv)+3)
		for k, v := range past {
			in[k] = v
		}
		in[d.inputIDs] = int64s(feed)
		if d.mask != "" {
			ones := make([]int64, pastLen+len(feed))
			for i := range ones {
				ones[i] = 1
			}
			in[d.mask] = int64s(ones)
		}
		if d.positions != "" {
			pos := make([]int64, len(feed))
			for i := range pos {
				pos[i] = int64(pastLen + i)
			}
			in[d.positions] = int64s(pos)
		}
		t0 := time.Now()
		var out map[string]*tensor.Tensor
		var err error
		if d.cache != nil {
			out, err = d.prog.RunCached(d.cache, in)
		} else {
			out, err = d.prog.Run(in)
		}
		dt := time.Since(t0)
		if err != nil {
			if hooks != nil && step >= 1 {
				hooks.stop()
			}
			if step == 0 {
				return nil, fmt.Errorf("prefill of %d tokens: %w", len(feed), err)
			}
			return nil, fmt.Errorf("decode step %d (past length %d): %w", step, pastLen, err)
		}
		if step == 0 {
			res.prefill = dt
		} else {
			res.steps = append(res.steps, dt)
		}
		tok, err := lastArgmax(out[d.logits])
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", step, err)
		}
		res.tokens = append(res.tokens, tok)
		if d.cache == nil {
			for _, kv := range d.kv {
				past[kv.input] = out[kv.present]
			}
		}
		pastLen += len(feed)
		feed = []int64{tok}
	}
	if steps >= 1 {
		if hooks != nil {
			hooks.stop()
		}
		runtime.ReadMemStats(&ms1)
		n := float64(steps)
		res.allocBytesPerStep = float64(ms1.TotalAlloc-ms0.TotalAlloc) / n
		res.mallocsPerStep = float64(ms1.Mallocs-ms0.Mallocs) / n
		res.gcs = ms1.NumGC - ms0.NumGC
	}
	return res, nil
}

func int64s(v []int64) *tensor.Tensor {
	t := tensor.New(tensor.Int64, []int{1, len(v)})
	copy(t.Data.([]int64), v)
	return t
}

// lastArgmax is the greedy token: the argmax over the vocabulary of the
// last position's logits (first index on ties, as numpy's argmax).
func lastArgmax(t *tensor.Tensor) (int64, error) {
	if t == nil {
		return 0, fmt.Errorf("logits output missing")
	}
	f, ok := t.Data.([]float32)
	if !ok || len(t.Shape) == 0 {
		return 0, fmt.Errorf("logits are %s %v, want float32 [batch, sequence, vocab]", t.DType, t.Shape)
	}
	vocab := t.Shape[len(t.Shape)-1]
	if vocab <= 0 || len(f) < vocab {
		return 0, fmt.Errorf("logits shape %v is empty", t.Shape)
	}
	last := f[len(f)-vocab:]
	best := 0
	for i, v := range last {
		if v > last[best] {
			best = i
		}
	}
	return int64(best), nil
}

// prefill runs one prefill of n tokens (the prompt repeated) with past
// length 0 and returns its time.
func (d *decoder) prefill(prompt []int64, n int) (time.Duration, error) {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = prompt[i%len(prompt)]
	}
	in := map[string]*tensor.Tensor{d.inputIDs: int64s(ids)}
	if d.mask != "" {
		ones := make([]int64, n)
		for i := range ones {
			ones[i] = 1
		}
		in[d.mask] = int64s(ones)
	}
	if d.positions != "" {
		pos := make([]int64, n)
		for i := range pos {
			pos[i] = int64(i)
		}
		in[d.positions] = int64s(pos)
	}
	var err error
	t0 := time.Now()
	if d.cache != nil {
		d.cache.Reset()
		_, err = d.prog.RunCached(d.cache, in)
	} else {
		for _, kv := range d.kv {
			in[kv.input] = tensor.New(tensor.Float32, kv.empty)
		}
		_, err = d.prog.Run(in)
	}
	return time.Since(t0), err
}
