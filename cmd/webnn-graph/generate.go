package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/x448/float16"

	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/target"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// lowerModel converts an already loaded model in memory (verify,
// generate); chosen says --target was given (see lowerForTarget), and a
// fallback to another target is logged as a warning.
func (a *app) lowerModel(m *onnxpb.Model, opts lower.Options, path, precision string, chosen bool) (*lower.Result, error) {
	opts.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	opts.Precision = precision
	res, _, note, err := lowerForTarget(m, opts, chosen)
	if note != "" {
		a.log.Warn(note)
	}
	return res, err
}

func f32ToF16(v float32) uint16 { return float16.Fromfloat32(v).Bits() }

type generateFlags struct {
	promptIDs string
	steps     int
	refTokens string
	bounds    []string
	jsonOut   bool
	dimsFile  string
	target    string
}

func (a *app) generateCommand() *cobra.Command {
	f := &generateFlags{}
	cmd := &cobra.Command{
		Use:   "generate GRAPH.webnn|MODEL.onnx --prompt-ids 1,2,3",
		Short: "Greedy decoding with a KV cache on the WebNN runtime",
		Long: `Decode greedily with a decoder LLM graph (optimum's input and output names: input_ids,
attention_mask, position_ids, past_key_values.N.key/value → logits, present.N.key/value) on the
included WebNN runtime: prefill the prompt with past length 0, then one token per step, feeding
the presents back as the past and growing attention_mask and position_ids.

An ONNX model is converted in memory first. Prints the generated tokens and milliseconds per
step. With --reference-tokens, stops at the first divergence and fails naming the step, the
expected and the produced token and both logits.`,
		Args: exactArgs(1, "one graph or model path"),
		RunE: func(cmd *cobra.Command, args []string) error { return a.generate(args[0], f) },
	}
	cmd.Flags().StringVar(&f.promptIDs, "prompt-ids", "", "prompt token ids, comma separated (required)")
	cmd.Flags().IntVar(&f.steps, "steps", 16, "tokens to generate")
	cmd.Flags().StringVar(&f.refTokens, "reference-tokens", "", "expected generated tokens, comma separated")
	cmd.Flags().StringArrayVar(&f.bounds, "bound", nil, "conversion bound for an ONNX model: name=max (as convert --dim)")
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print JSON")
	cmd.Flags().StringVar(&f.dimsFile, "dims-file", "", "conversion dim settings as JSON (see convert --dims-file)")
	cmd.Flags().StringVar(&f.target, "target", "", "loader the in-memory conversion is for (see convert --target)")
	return cmd
}

func parseIDs(flag, s string) ([]int64, error) {
	var out []int64
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil || v < 0 {
			return nil, usagef("%s: %q is not a token id", flag, p)
		}
		out = append(out, v)
	}
	return out, nil
}

// decoderIO names the inputs and outputs of a decoder graph.
type decoderIO struct {
	inputIDs, mask, positions string
	types                     map[string]tensor.DType // of every input
	logits                    string
	past                      []kvPair // by layer
	present                   map[string]string
	kv                        map[string]ioSpec
}

type kvPair struct {
	layer      int
	key, value string
}

var pastRe = regexp.MustCompile(`^past_key_values_(\d+)_(key|value)$`)

func findDecoderIO(r runner) (*decoderIO, error) {
	d := &decoderIO{present: map[string]string{}, kv: map[string]ioSpec{}}
	layers := map[int]*kvPair{}
	d.types = map[string]tensor.DType{}
	for _, s := range r.Inputs() {
		d.types[s.Name] = s.DType
		k := identKey(s.Key)
		switch {
		case k == "input_ids":
			d.inputIDs = s.Name
		case k == "attention_mask":
			d.mask = s.Name
		case k == "position_ids":
			d.positions = s.Name
		default:
			mm := pastRe.FindStringSubmatch(k)
			if mm == nil {
				return nil, fmt.Errorf("generate: input %q is not a decoder input (want input_ids, attention_mask, position_ids, past_key_values.N.key/value)", s.Name)
			}
			l, _ := strconv.Atoi(mm[1])
			p := layers[l]
			if p == nil {
				p = &kvPair{layer: l}
				layers[l] = p
			}
			if mm[2] == "key" {
				p.key = s.Name
			} else {
				p.value = s.Name
			}
			d.kv[s.Name] = s
		}
	}
	if d.inputIDs == "" {
		return nil, fmt.Errorf("generate: the graph has no input_ids input")
	}
	for _, o := range r.Outputs() {
		k := identKey(r.Key(o))
		if k == "logits" {
			d.logits = o
		}
		if strings.HasPrefix(k, "present_") {
			d.present[strings.TrimPrefix(k, "present_")] = o
		}
	}
	if d.logits == "" {
		return nil, fmt.Errorf("generate: the graph has no logits output")
	}
	var ls []int
	for l := range layers {
		ls = append(ls, l)
	}
	sort.Ints(ls)
	for _, l := range ls {
		p := layers[l]
		if p.key == "" || p.value == "" {
			return nil, fmt.Errorf("generate: layer %d lacks its past key or value input", l)
		}
		for _, which := range []string{"key", "value"} {
			if _, ok := d.present[fmt.Sprintf("%d_%s", l, which)]; !ok {
				return nil, fmt.Errorf("generate: layer %d has no present.%d.%s output", l, l, which)
			}
		}
		d.past = append(d.past, *p)
	}
	return d, nil
}

// emptyPast is the past key/values of the first step: past length 0,
// batch 1.
func (io *decoderIO) emptyPast() map[string]*tensor.Tensor {
	past := map[string]*tensor.Tensor{}
	for _, p := range io.past {
		for _, name := range []string{p.key, p.value} {
			s := io.kv[name]
			shape := make([]int, len(s.Dims))
			// [batch, heads, past, head size]: the past is empty at first;
			// a dim the graph fixes (kv_cache_dim = head size) is static
			// in the converted graph.
			for i, dm := range s.Dims {
				switch {
				case dm.Name == "":
					shape[i] = int(dm.Size)
				case i > 0 && strings.Contains(strings.ToLower(dm.Name), "past"):
					shape[i] = 0
				default:
					shape[i] = 1 // batch
				}
			}
			past[name] = tensor.New(s.DType, shape)
		}
	}
	return past
}

// stepInputs feeds tokens after pastLen earlier ones: the past, the ids,
// a mask of ones over past and new tokens, positions counting on.
func (io *decoderIO) stepInputs(past map[string]*tensor.Tensor, feed []int64, pastLen int) map[string]*tensor.Tensor {
	in := map[string]*tensor.Tensor{}
	for k, v := range past {
		in[k] = v
	}
	in[io.inputIDs] = int64Tensor([]int{1, len(feed)}, feed)
	if io.mask != "" {
		ones := make([]int64, pastLen+len(feed))
		for i := range ones {
			ones[i] = 1
		}
		in[io.mask] = int64Tensor([]int{1, len(ones)}, ones)
	}
	if io.positions != "" {
		pos := make([]int64, len(feed))
		for i := range pos {
			pos[i] = int64(pastLen + i)
		}
		in[io.positions] = int64Tensor([]int{1, len(pos)}, pos)
	}
	// The graph may take ids, mask or positions as int32 (a target
	// without int64), or the mask as an ONNX bool (uint8 in WebNN).
	for _, name := range []string{io.inputIDs, io.mask, io.positions} {
		if t := in[name]; t != nil && io.types[name] != t.DType && io.types[name] != tensor.Undefined {
			if c, err := castInt64(t, io.types[name]); err == nil {
				in[name] = c
			}
		}
	}
	return in
}

// cachedRun returns, for the WebNN runtime, a run function that keeps the
// presents in place between steps (a webnn.Cache: each step appends its
// new rows, the past is never copied or passed); nil for other runners,
// which get the presents back as inputs (stepInputs, advance).
func (io *decoderIO) cachedRun(r runner) func(map[string]*tensor.Tensor) (map[string]*tensor.Tensor, error) {
	wr, ok := r.(*webnnRunner)
	if !ok {
		return nil
	}
	presentOf := map[string]string{}
	for _, p := range io.past {
		presentOf[p.key] = io.present[fmt.Sprintf("%d_key", p.layer)]
		presentOf[p.value] = io.present[fmt.Sprintf("%d_value", p.layer)]
	}
	cache, err := wr.prog.NewCache(presentOf)
	if err != nil {
		return nil
	}
	return func(in map[string]*tensor.Tensor) (map[string]*tensor.Tensor, error) {
		return wr.prog.RunCached(cache, in)
	}
}

// coercedRun converts the feeds to the types the graph declares (int64
// ids and masks to a webnn-target graph's int32) before each run.
func coercedRun(specs []ioSpec, run func(map[string]*tensor.Tensor) (map[string]*tensor.Tensor, error)) func(map[string]*tensor.Tensor) (map[string]*tensor.Tensor, error) {
	byName := map[string]ioSpec{}
	for _, s := range specs {
		byName[s.Name] = s
	}
	return func(in map[string]*tensor.Tensor) (map[string]*tensor.Tensor, error) {
		for k, t := range in {
			if s, ok := byName[k]; ok && s.DType != t.DType {
				c, err := coerceInput(s, t)
				if err != nil {
					return nil, fmt.Errorf("input %q: %w", k, err)
				}
				in[k] = c
			}
		}
		return run(in)
	}
}

// advance makes a step's presents the next step's past.
func (io *decoderIO) advance(past, out map[string]*tensor.Tensor) {
	for _, p := range io.past {
		past[p.key] = out[io.present[fmt.Sprintf("%d_key", p.layer)]]
		past[p.value] = out[io.present[fmt.Sprintf("%d_value", p.layer)]]
	}
}

type generateReport struct {
	Prompt          []int64   `json:"prompt"`
	Tokens          []int64   `json:"tokens"`
	MsPerStep       []float64 `json:"ms_per_step"`
	TokensPerSecond float64   `json:"tokens_per_second"`
	Match           *bool     `json:"matches_reference,omitempty"`
}

func (a *app) generate(path string, f *generateFlags) error {
	prompt, err := parseIDs("--prompt-ids", f.promptIDs)
	if err != nil {
		return err
	}
	if len(prompt) == 0 {
		return usagef("generate needs --prompt-ids")
	}
	if f.steps < 1 {
		return usagef("--steps must be at least 1")
	}
	var ref []int64
	if f.refTokens != "" {
		if ref, err = parseIDs("--reference-tokens", f.refTokens); err != nil {
			return err
		}
	}
	bounds, freeze, sources, err := dimSettings("--bound", f.bounds, nil, f.dimsFile)
	if err != nil {
		return err
	}
	tg, err := target.Lookup(f.target)
	if err != nil {
		return usagef("--target: %v", err)
	}
	var r runner
	if strings.EqualFold(filepath.Ext(path), ".onnx") {
		m, err := a.loadONNX(path)
		if err != nil {
			return err
		}
		defer m.Close()
		res, err := a.lowerModel(m, lower.Options{Dims: bounds, Freeze: freeze, Sources: sources, Target: tg, AllowNewerOpset: a.allowNewerOpset}, path, "", f.target != "")
		if err != nil {
			return err
		}
		if r, err = loweredRunner(m, res); err != nil {
			return err
		}
	} else if r, err = a.openRunner(path); err != nil {
		return err
	}
	defer r.Close()
	io, err := findDecoderIO(r)
	if err != nil {
		return err
	}
	rep := generateReport{Prompt: prompt}
	// State: the past key/values (empty at first) and every token so far.
	past := io.emptyPast()
	run := r.Run
	if cached := io.cachedRun(r); cached != nil {
		run, past = cached, map[string]*tensor.Tensor{}
	}
	run = coercedRun(r.Inputs(), run)
	feed := prompt
	pastLen := 0
	for step := 0; step < f.steps; step++ {
		in := io.stepInputs(past, feed, pastLen)
		t0 := time.Now()
		out, err := run(in)
		if err != nil {
			return fmt.Errorf("generate: step %d: %w", step, err)
		}
		rep.MsPerStep = append(rep.MsPerStep, float64(time.Since(t0).Microseconds())/1e3)
		logits, ok := asFloat64s(out[io.logits])
		if !ok {
			return fmt.Errorf("generate: step %d: logits output missing", step)
		}
		ls := out[io.logits].Shape
		vocab := ls[len(ls)-1]
		last := logits[len(logits)-vocab:]
		tok := int64(argmax(last))
		rep.Tokens = append(rep.Tokens, tok)
		if ref != nil && step < len(ref) && ref[step] != tok {
			match := false
			rep.Match = &match
			a.printGenerate(rep, f.jsonOut)
			return fmt.Errorf("generate: step %d diverges from the reference: expected token %d (logit %.6g), produced %d (logit %.6g)",
				step, ref[step], last[ref[step]], tok, last[tok])
		}
		if len(past) > 0 {
			io.advance(past, out)
		}
		pastLen += len(feed)
		feed = []int64{tok}
	}
	if ref != nil {
		match := true
		rep.Match = &match
	}
	if n := len(rep.MsPerStep); n > 1 {
		var sum float64
		for _, ms := range rep.MsPerStep[1:] {
			sum += ms
		}
		rep.TokensPerSecond = float64(n-1) / (sum / 1e3)
	}
	a.printGenerate(rep, f.jsonOut)
	return nil
}

func (a *app) printGenerate(rep generateReport, jsonOut bool) {
	if jsonOut {
		enc := json.NewEncoder(a.stdout)
		enc.Encode(rep)
		return
	}
	parts := make([]string, len(rep.Tokens))
	for i, t := range rep.Tokens {
		parts[i] = strconv.FormatInt(t, 10)
	}
	fmt.Fprintf(a.stdout, "tokens: %s\n", strings.Join(parts, ","))
	ms := make([]string, len(rep.MsPerStep))
	for i, v := range rep.MsPerStep {
		ms[i] = fmt.Sprintf("%.1f", v)
	}
	fmt.Fprintf(a.stdout, "ms per step: %s\n", strings.Join(ms, " "))
	if rep.TokensPerSecond > 0 {
		fmt.Fprintf(a.stdout, "decode: %.1f tokens/s (steps after the prefill)\n", rep.TokensPerSecond)
	}
	if rep.Match != nil && *rep.Match {
		fmt.Fprintf(a.stdout, "matches the reference tokens\n")
	}
}

func int64Tensor(shape []int, vals []int64) *tensor.Tensor {
	t := tensor.New(tensor.Int64, shape)
	copy(t.Data.([]int64), vals)
	return t
}
