package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/webnn-graph/webnn-graph/tools/llamagen"
)

// row is one line of the summary: a ratio against a baseline measured in
// the same run, with its target.
type row struct {
	what     string  // the figure
	ours     string  // our value, with its unit
	base     string  // the baseline's value, with its unit
	ratioOf  string  // "ours/ORT", "RSS/budget", ...
	ratio    float64 // 0 when not measured
	atMost   bool    // the target is ratio ≤ target (else ≥)
	target   float64 // 0: reported, no target
	note     string
	measured bool
}

func (r row) verdict() string {
	switch {
	case !r.measured:
		return "not measured"
	case r.target == 0:
		return "reported"
	case r.atMost && r.ratio <= r.target, !r.atMost && r.ratio >= r.target:
		return "met"
	}
	return "NOT met"
}

func printRows(rs []row) {
	table := [][]string{{"figure", "ours", "baseline", "ratio", "", "target", "verdict"}}
	for _, r := range rs {
		ratio, target := "-", "-"
		if r.measured {
			ratio = fmt.Sprintf("%.2f", r.ratio)
		}
		if r.target != 0 {
			op := "≥"
			if r.atMost {
				op = "≤"
			}
			target = fmt.Sprintf("%s %.2f", op, r.target)
		}
		v := r.verdict()
		if r.note != "" {
			v += " (" + r.note + ")"
		}
		table = append(table, []string{r.what, r.ours, r.base, ratio, r.ratioOf, target, v})
	}
	fmt.Println("summary (issue 12): every figure a ratio against a baseline measured in this run")
	printAligned(table)
}

// decodeResult is what benchDecode measured of one model.
type decodeResult struct {
	name                  string
	ours, ort             *sideStats // ort: the faster ONNX Runtime configuration
	ortBySpin             []*sideStats
	tokens                string
	tokensSame            bool
	outsideMs, stepMs     float64
	longTokens            int
	longOursMs, longORTMs float64
	weightBytes           int64
	ortRSSMB              float64
	load0, load1          string
	busy                  bool
}

func (d *decodeResult) rows() []row {
	var rs []row
	note := ""
	if d.busy {
		note = "load > cores: indicative"
	}
	dec := row{what: "decode tokens/s, " + d.name, ratioOf: "ours/ORT", target: target, note: note}
	dec.ours = fmt.Sprintf("%.1f tok/s", d.ours.envelopeTPS)
	if d.ort != nil {
		dec.base = fmt.Sprintf("%.1f tok/s", d.ort.envelopeTPS)
		dec.ratio, dec.measured = d.ours.envelopeTPS/d.ort.envelopeTPS, true
		if !d.tokensSame {
			dec.note = strings.TrimPrefix(strings.Join([]string{note, "tokens " + d.tokens}, "; "), "; ")
			dec.ratio = 0 // a decode that disagrees does not count
		}
	}
	rs = append(rs, dec)
	if d.stepMs > 0 {
		rs = append(rs, row{what: "step time outside weight matmuls, " + d.name, ours: fmt.Sprintf("%.1f ms", d.outsideMs),
			base: fmt.Sprintf("%.1f ms step", d.stepMs), ratioOf: "of the step", ratio: d.outsideMs / d.stepMs, measured: true})
	}
	pre := row{what: fmt.Sprintf("prefill %d tokens, %s", promptLen, d.name), ratioOf: "ours/ORT", atMost: true, target: 1, note: note}
	pre.ours = fmt.Sprintf("%.1f ms", d.ours.prefillMs)
	if d.ort != nil {
		pre.base = fmt.Sprintf("%.1f ms", d.ort.prefillMs)
		pre.ratio, pre.measured = d.ours.prefillMs/d.ort.prefillMs, true
	}
	rs = append(rs, pre)
	if d.longTokens > 0 {
		lp := row{what: fmt.Sprintf("prefill %d tokens, %s", d.longTokens, d.name), ours: fmt.Sprintf("%.0f ms", d.longOursMs), ratioOf: "ours/ORT", atMost: true, target: 1, note: note}
		if d.longORTMs > 0 {
			lp.base = fmt.Sprintf("%.0f ms", d.longORTMs)
			lp.ratio, lp.measured = d.longOursMs/d.longORTMs, true
		}
		rs = append(rs, lp)
	}
	return rs
}

// promptLen is -prompt, for the rows' labels.
var promptLen = 6

// machineLine names the CPU, its vector extensions and the core count.
func machineLine() string {
	model, flags := "unknown CPU", ""
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), ":")
			if !ok {
				continue
			}
			switch strings.TrimSpace(k) {
			case "model name":
				model = strings.TrimSpace(v)
			case "flags":
				var have []string
				for _, x := range []string{"avx2", "fma", "avx512f", "avx512bw", "avx512vl"} {
					if slices.Contains(strings.Fields(v), x) {
						have = append(have, x)
					}
				}
				flags = strings.Join(have, " ")
			}
		}
		f.Close()
	}
	return fmt.Sprintf("machine: %s (%s), %d cores (GOMAXPROCS %d), load average %s", model, flags, runtime.NumCPU(), runtime.GOMAXPROCS(0), loadAvg())
}

// benchModel returns the directory of a benchmark model: the zoo's
// smollm-135m (weights rebuilt once) or a generated llama (written once).
func benchModel(name string) (string, error) {
	switch name {
	case "smollm-135m":
		return zooModel(name)
	case "llama-500m":
		return generatedModel(llamagen.Llama500M)
	}
	return "", fmt.Errorf("unknown model %q (want smollm-135m or llama-500m)", name)
}

// generatedModel writes cfg once into $TMPDIR/webnn-graph-bench/<name>.
func generatedModel(cfg llamagen.Config) (string, error) {
	dst := filepath.Join(os.TempDir(), "webnn-graph-bench", cfg.Name)
	if _, err := os.Stat(filepath.Join(dst, ".done")); err == nil {
		return dst, nil
	}
	fmt.Fprintf(os.Stderr, "benchdecode: writing the graph-only %s (%.0fM parameters, seeded random weights) into %s (once)\n", cfg.Name, float64(cfg.Params())/1e6, dst)
	tmp := fmt.Sprintf("%s.tmp-%d", dst, os.Getpid())
	os.RemoveAll(tmp)
	if err := llamagen.Write(tmp, cfg); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, ".done"), nil, 0o644); err != nil {
		return "", err
	}
	os.RemoveAll(dst)
	if err := os.Rename(tmp, dst); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	return dst, nil
}

// procResult is a finished child process: wall time, CPU time, peak RSS.
type procResult struct {
	wall, cpu time.Duration
	maxRSS    int64 // bytes
	out       []byte
}

func runProc(name string, args ...string) (*procResult, error) {
	// The child's peak RSS must be its own: a process started straight
	// from this one would count this process's pages (Go starts children
	// with vfork, and Linux keeps the pre-exec high-water mark). So a small
	// copy of this program starts it and reports its rusage.
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	rf, err := os.CreateTemp("", "webnn-graph-rusage-")
	if err != nil {
		return nil, err
	}
	rf.Close()
	defer os.Remove(rf.Name())
	cmd := exec.Command(self, append([]string{rusageChildFlag, rf.Name(), name}, args...)...)
	var out strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = &out
	t0 := time.Now()
	err = cmd.Run()
	wall := time.Since(t0)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	r := &procResult{wall: wall, out: []byte(out.String())}
	b, err := os.ReadFile(rf.Name())
	if err != nil {
		return nil, err
	}
	var cpuNs int64
	if _, err := fmt.Sscan(string(b), &r.maxRSS, &cpuNs); err != nil {
		return nil, fmt.Errorf("rusage of %s: %q: %v", name, b, err)
	}
	r.cpu = time.Duration(cpuNs)
	return r, nil
}

// rusageChildFlag makes this program run a command and write its peak RSS
// (bytes) and CPU time (ns) to a file: see runProc.
const rusageChildFlag = "-rusage-child"

// rusageChild is main for rusageChildFlag: args are the result file, the
// command and its arguments.
func rusageChild(args []string) int {
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Stdout, cmd.Stderr, cmd.Stdin = os.Stdout, os.Stderr, os.Stdin
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if rss, cpu, ok := childUsage(cmd.ProcessState); ok {
		os.WriteFile(args[0], []byte(fmt.Sprintf("%d %d\n", rss, cpu)), 0o644)
	}
	if err != nil {
		return cmd.ProcessState.ExitCode()
	}
	return 0
}

// processRows measures convert, generate, verify and the long run through
// the CLI, each in its own process.
func processRows(o options, dirs map[string]string) ([]row, error) {
	work, err := os.MkdirTemp("", "webnn-graph-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	cli := filepath.Join(work, "webnn-graph")
	if out, err := exec.Command("go", "build", "-o", cli, "./cmd/webnn-graph").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./cmd/webnn-graph (run from the repository root): %v\n%s", err, out)
	}
	fmt.Println()
	fmt.Println("CLI figures (", cli, "), each in its own process; peak RSS from getrusage:")
	var rs []row
	for _, name := range []string{"smollm-135m", "llama-500m"} {
		dir, ok := dirs[name]
		if !ok {
			continue
		}
		r, err := convertRows(cli, work, name, dir, o)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r...)
	}
	if dir, ok := dirs["smollm-135m"]; ok {
		r, err := smollmRows(cli, work, dir, o)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r...)
	}
	return rs, nil
}

// convertRows times convert against cp + sync of the external data to the
// same disk, alternating, fastest of three each.
func convertRows(cli, work, name, dir string, o options) ([]row, error) {
	data := filepath.Join(dir, "model.onnx.data")
	st, err := os.Stat(data)
	if err != nil {
		return nil, err
	}
	budget := int64(150 << 20)
	if st.Size() > 1<<30 {
		budget = 200 << 20
	}
	var conv, cp []time.Duration
	var rss int64
	for i := 0; i < 3; i++ {
		out := filepath.Join(work, "conv-"+name)
		os.RemoveAll(out)
		r, err := runProc(cli, "convert", filepath.Join(dir, "model.onnx"), "-o", out, "-q")
		if err != nil {
			return nil, err
		}
		conv = append(conv, r.wall)
		rss = max(rss, r.maxRSS)
		if name == "smollm-135m" && i == 2 {
			break // keep the last conversion for the run rows
		}
		os.RemoveAll(out)
		dst := filepath.Join(work, "cp-"+name)
		t0 := time.Now()
		if _, err := runProc("cp", data, dst); err != nil {
			return nil, err
		}
		if _, err := runProc("sync", dst); err != nil {
			return nil, err
		}
		cp = append(cp, time.Since(t0))
		os.Remove(dst)
	}
	c, b := slices.Min(conv), slices.Min(cp)
	fmt.Printf("  convert %s: %.2f s (fastest of %d), peak RSS %.0f MB; cp + sync of its %.0f MB of external data to the same disk: %.2f s\n",
		name, c.Seconds(), len(conv), float64(rss)/1e6, float64(st.Size())/1e6, b.Seconds())
	return []row{
		{what: "convert time, " + name, ours: fmt.Sprintf("%.2f s", c.Seconds()), base: fmt.Sprintf("%.2f s cp+sync", b.Seconds()), ratioOf: "ours/cp", ratio: c.Seconds() / b.Seconds(), atMost: true, target: 2, measured: true},
		{what: "convert peak RSS, " + name, ours: fmt.Sprintf("%.0f MB", float64(rss)/1e6), base: fmt.Sprintf("%.0f MB budget", float64(budget)/1e6), ratioOf: "RSS/budget", ratio: float64(rss) / float64(budget), atMost: true, target: 1, measured: true},
	}, nil
}

// smollmRows: generate and verify peak RSS, the long run's RSS and its
// time per token against 512 tokens'.
func smollmRows(cli, work, dir string, o options) ([]row, error) {
	var md meta
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &md); err != nil {
		return nil, err
	}
	weights := filepath.Join(work, "conv-smollm-135m", "model.weights")
	st, err := os.Stat(weights)
	if err != nil {
		return nil, fmt.Errorf("the converted smollm-135m: %w", err)
	}
	wb := st.Size()
	const layers, kvHeads, headDim = 30, 3, 64
	kvBytes := func(tokens int) int64 { return int64(2 * layers * kvHeads * headDim * 4 * tokens) }
	var rs []row
	ids := make([]string, len(md.PromptIDs))
	for i, t := range md.PromptIDs {
		ids[i] = strconv.FormatInt(t, 10)
	}
	gen, err := runProc(cli, "generate", filepath.Join(dir, "model.onnx"), "--prompt-ids", strings.Join(ids, ","), "--steps", "32", "-q")
	if err != nil {
		return nil, err
	}
	budget := wb + kvBytes(len(ids)+32) + 150<<20
	fmt.Printf("  generate smollm-135m (%d-token prompt, 32 steps, in-memory conversion): peak RSS %.0f MB; weights %.0f MB\n", len(ids), float64(gen.maxRSS)/1e6, float64(wb)/1e6)
	rs = append(rs, row{what: "generate peak RSS, smollm-135m", ours: fmt.Sprintf("%.0f MB", float64(gen.maxRSS)/1e6),
		base: fmt.Sprintf("%.0f MB = weights+KV+150 MB", float64(budget)/1e6), ratioOf: "RSS/budget", ratio: float64(gen.maxRSS) / float64(budget), atMost: true, target: 1, measured: true})
	if c := filepath.Join(dir, "cases", "step00.npz"); fileExists(c) {
		ver, err := runProc(cli, "verify", filepath.Join(dir, "model.onnx"), "--inputs", c, "-q")
		if err != nil {
			return nil, err
		}
		fmt.Printf("  verify smollm-135m (cases/step00.npz: %d tokens, in-memory conversion, both runtimes): peak RSS %.0f MB\n", len(ids), float64(ver.maxRSS)/1e6)
		rs = append(rs, row{what: "verify peak RSS, smollm-135m 6 tokens", ours: fmt.Sprintf("%.0f MB", float64(ver.maxRSS)/1e6),
			base: fmt.Sprintf("%.0f MB weights", float64(wb)/1e6), ratioOf: "RSS/weights", ratio: float64(ver.maxRSS) / float64(wb), atMost: true, target: 1.3, measured: true})
	}
	if o.long <= 0 {
		return rs, nil
	}
	graphPath := filepath.Join(work, "conv-smollm-135m", "model.webnn")
	perToken := map[int]float64{}
	for _, n := range []int{512, o.long} {
		in := filepath.Join(work, fmt.Sprintf("in%d.npz", n))
		if err := writeLongInput(in, n, layers, kvHeads, headDim); err != nil {
			return nil, err
		}
		r, err := runProc(cli, "run", graphPath, "--inputs", in, "--json")
		if err != nil {
			return nil, err
		}
		var rep struct {
			MedianSeconds float64 `json:"medianSeconds"`
		}
		if err := json.Unmarshal(r.out[strings.Index(string(r.out), "{"):], &rep); err != nil {
			return nil, fmt.Errorf("run --json: %v", err)
		}
		perToken[n] = rep.MedianSeconds / float64(n)
		fmt.Printf("  run smollm-135m, %d tokens (one prefill, converted graph): %.1f s (%.2f ms/token), peak RSS %.0f MB\n", n, rep.MedianSeconds, 1e3*perToken[n], float64(r.maxRSS)/1e6)
		if n == o.long {
			budget := wb + kvBytes(n) + 1<<30
			rs = append(rs, row{what: fmt.Sprintf("run peak RSS, smollm-135m %d tokens", n), ours: fmt.Sprintf("%.0f MB", float64(r.maxRSS)/1e6),
				base: fmt.Sprintf("%.0f MB = weights+KV+1 GB", float64(budget)/1e6), ratioOf: "RSS/budget", ratio: float64(r.maxRSS) / float64(budget), atMost: true, target: 1, measured: true})
		}
	}
	// Linear in tokens apart from attention: the FLOPs per token grow by
	// the attention's share only.
	flopsPerToken := func(n int) float64 {
		const hidden, inter, vocab, heads = 576, 1536, 49152, 9
		linear := 2.0 * float64(layers*(hidden*hidden*2+hidden*kvHeads*headDim*2+3*hidden*inter)+hidden*vocab)
		attention := 2.0 * 2 * float64(layers*heads*headDim) * float64(n) // q·kᵀ and p·v over n keys, per query
		return linear + attention
	}
	grow := perToken[o.long] / perToken[512]
	allowed := flopsPerToken(o.long) / flopsPerToken(512)
	rs = append(rs, row{what: fmt.Sprintf("run time per token, %d vs 512 tokens", o.long), ours: fmt.Sprintf("×%.2f", grow),
		base: fmt.Sprintf("×%.2f FLOPs/token", allowed), ratioOf: "growth/FLOP growth", ratio: grow / allowed, atMost: true, target: 1, measured: true})
	return rs, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// writeLongInput writes an npz for one prefill of n tokens of smollm-135m.
func writeLongInput(path string, n, layers, kvHeads, headDim int) error {
	ids := tensor.New(tensor.Int64, []int{1, n})
	mask := tensor.New(tensor.Int64, []int{1, n})
	pos := tensor.New(tensor.Int64, []int{1, n})
	for i := 0; i < n; i++ {
		ids.Data.([]int64)[i] = int64((i*7919 + 11) % 49152)
		mask.Data.([]int64)[i] = 1
		pos.Data.([]int64)[i] = int64(i)
	}
	ts := map[string]*tensor.Tensor{"input_ids": ids, "attention_mask": mask, "position_ids": pos}
	names := []string{"input_ids", "attention_mask", "position_ids"}
	for l := 0; l < layers; l++ {
		for _, kv := range []string{"key", "value"} {
			k := fmt.Sprintf("past_key_values.%d.%s", l, kv)
			ts[k] = tensor.New(tensor.Float32, []int{1, kvHeads, 0, headDim})
			names = append(names, k)
		}
	}
	return tensor.WriteNPZ(path, names, ts)
}
