// Command benchdecode is `make bench`'s end-to-end half: every figure of
// issue 12 as a ratio against a baseline measured in the same run, with its
// target and whether it is met.
//
//   - Decode (greedy, KV cache, batch 1) and prefill on our WebNN runtime
//     next to ONNX Runtime (Python onnxruntime, CPU EP, one intra-op thread
//     per core, ORT_ENABLE_ALL) on the same model.onnx, prompt, steps and
//     threads, the two alternating so that both see the same load; ONNX
//     Runtime is measured with its thread pool spinning (its default) and
//     sleeping, and the faster is the baseline. Models: the zoo's
//     smollm-135m and a graph-only ~0.5B Llama (tools/llamagen, written once
//     into $TMPDIR/webnn-graph-bench).
//
//   - Memory and long inputs through the CLI, each in its own process: peak
//     RSS of generate, verify and a 2048-token run against the weight bytes,
//     the 2048-token run's time per token against 512 tokens'.
//
//   - convert against cp copying the same external data to the same disk
//     (and syncing it: convert's output is durable), peak RSS.
//
//     go run ./tools/benchdecode [-models smollm-135m,llama-500m] [-steps 32] [-prompt 6]
//     [-runs 3] [-long 2048] [-no-process] [-cpuprofile FILE] [-memprofile FILE]
//     [-v] [-no-ort] [-no-cache] [-python python3] [-model DIR]
//
// Without ../shared the zoo model is skipped (the generated one still runs).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
)

// target is the ratio to ONNX Runtime the decode path is held to (issue 12).
const target = 1.0

type options struct {
	models     string
	long       int
	noProcess  bool
	modelDir   string
	steps      int
	prompt     int
	runs       int
	cpuprofile string
	memprofile string
	// prefillProfile: a CPU profile of repeated prompt-length prefills.
	prefillProfile string
	python         string
	noORT          bool
	noCache        bool
	verbose        bool
}

func main() {
	if len(os.Args) > 3 && os.Args[1] == rusageChildFlag {
		os.Exit(rusageChild(os.Args[2:]))
	}
	var o options
	flag.StringVar(&o.models, "models", "smollm-135m,llama-500m", "models to benchmark: smollm-135m (zoo, weights rebuilt once), llama-500m (tools/llamagen, written once)")
	flag.StringVar(&o.modelDir, "model", "", "benchmark this model directory (model.onnx + external data + meta.json with prompt_ids) instead of -models")
	flag.IntVar(&o.long, "long", 2048, "tokens of the long run (memory and time per token against 512 tokens); 0 skips it")
	flag.BoolVar(&o.noProcess, "no-process", false, "skip the CLI rows (convert, generate, verify, long run)")
	flag.IntVar(&o.steps, "steps", 32, "single-token decode steps after the prefill")
	flag.IntVar(&o.prompt, "prompt", 6, "prompt length: the first N of meta.json's prompt_ids")
	flag.IntVar(&o.runs, "runs", 3, "measured decodes per runtime after one warm-up, alternating between the runtimes")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of one extra decode's single-token steps (ours) to this file")
	flag.StringVar(&o.prefillProfile, "prefillprofile", "", "write a CPU profile of 100 prefills of the prompt (ours, past length 0) to this file")
	flag.StringVar(&o.memprofile, "memprofile", "", "write an allocation profile (every allocation) of one extra decode's single-token steps (ours) to this file")
	flag.StringVar(&o.python, "python", "python3", "Python interpreter with onnxruntime and numpy")
	flag.BoolVar(&o.verbose, "v", false, "also print every step's milliseconds")
	flag.BoolVar(&o.noORT, "no-ort", false, "skip the ONNX Runtime baseline")
	flag.BoolVar(&o.noCache, "no-cache", false, "feed the presents back as inputs (Program.Run) instead of keeping them in a webnn.Cache (RunCached)")
	flag.Parse()
	if o.memprofile != "" {
		runtime.MemProfileRate = 0 // record only the profiled steps (see profileDecode)
	}
	if err := run(o); err != nil {
		var nd *noDataError
		if errors.As(err, &nd) {
			fmt.Println("decode benchmark skipped:", nd.why)
			return
		}
		fmt.Fprintln(os.Stderr, "benchdecode:", err)
		os.Exit(1)
	}
}

// meta is the part of a zoo meta.json the benchmark reads.
type meta struct {
	Name         string  `json:"name"`
	PromptIDs    []int64 `json:"prompt_ids"`
	GreedyTokens []int64 `json:"greedy_tokens"`
}

func run(o options) error {
	if o.steps < 1 || o.prompt < 1 || o.runs < 1 {
		return fmt.Errorf("-steps, -prompt and -runs must be at least 1")
	}
	promptLen = o.prompt
	fmt.Println(machineLine())
	var rs []row
	dirs := map[string]string{}
	if o.modelDir != "" {
		res, err := benchDecode(o.modelDir, o)
		if err != nil {
			return err
		}
		rs = append(rs, res.rows()...)
	} else {
		for _, name := range strings.Split(o.models, ",") {
			name = strings.TrimSpace(name)
			dir, err := benchModel(name)
			var nd *noDataError
			if errors.As(err, &nd) {
				fmt.Printf("%s: skipped: %s\n", name, nd.why)
				continue
			}
			if err != nil {
				return err
			}
			dirs[name] = dir
			fmt.Println()
			res, err := benchDecode(dir, o)
			if err != nil {
				return err
			}
			rs = append(rs, res.rows()...)
		}
	}
	if !o.noProcess && o.modelDir == "" {
		prs, err := processRows(o, dirs)
		if err != nil {
			return err
		}
		rs = append(rs, prs...)
	}
	fmt.Println()
	printRows(rs)
	return nil
}

// benchDecode measures decode and prefill of the model in dir on both
// runtimes, printing the details.
func benchDecode(dir string, o options) (*decodeResult, error) {
	modelPath := filepath.Join(dir, "model.onnx")
	var md meta
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return nil, fmt.Errorf("the prompt comes from meta.json's prompt_ids: %w", err)
	}
	if err := json.Unmarshal(b, &md); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "meta.json"), err)
	}
	if md.Name == "" {
		md.Name = filepath.Base(dir)
	}
	if len(md.PromptIDs) < o.prompt {
		return nil, fmt.Errorf("-prompt %d: meta.json has only %d prompt_ids", o.prompt, len(md.PromptIDs))
	}
	prompt := md.PromptIDs[:o.prompt]
	threads := runtime.GOMAXPROCS(0)
	load0 := loadAvg()
	res := &decodeResult{name: md.Name}
	if st, err := os.Stat(filepath.Join(dir, "model.onnx.data")); err == nil && st.Size() > 1<<30 && o.steps > 16 {
		o.steps = 16 // a step of a 2 GB model takes 3–4× smollm-135m's: keep make bench short
	}

	ld, err := loadDecoder(modelPath, !o.noCache)
	if err != nil {
		return nil, err
	}
	defer ld.model.Close()
	dec := ld.dec
	res.weightBytes = ld.weightBytes

	fmt.Printf("decode benchmark: %s, prompt %d tokens (meta.json prompt_ids), then %d single-token steps, batch 1, greedy\n", md.Name, len(prompt), o.steps)
	fmt.Printf("  model: %s (%d layers of KV cache, %.1f MB of weights)\n", modelPath, len(dec.kv)/2, float64(ld.weightBytes)/1e6)
	fmt.Printf("  ours: convert %.1f s, compile %.1f s; threads: GOMAXPROCS=%d; KV cache kept in place (webnn.Cache): %v\n", ld.convert.Seconds(), ld.compile.Seconds(), threads, dec.cache != nil)
	fmt.Printf("  each runtime: one warm-up decode, then %d measured decodes per ONNX Runtime configuration, ours and ONNX Runtime's alternating so that both see the same load\n", o.runs)

	if _, err := dec.run(prompt, o.steps, nil); err != nil { // warm-up
		return nil, err
	}
	oursRSS := peakRSS() // before the kernel-only buffers below
	floor, floorErr := newGemvFloor(ld.matmulShapes)
	var oursRuns []*decodeRun
	ortRuns := map[bool][]*ortResult{}
	var ortInfo ortResult
	var ortErr error
	long := 0
	if md.Name == "smollm-135m" {
		long = 512 // the long prefill row is smollm-135m's
	}
	var longOurs, longORT []float64
	// Two phases when ONNX Runtime is there: its thread pool spinning (its
	// default), then sleeping between ops; ours alternate with both.
	phases := []bool{true, false}
	if o.noORT {
		phases = []bool{true}
		ortErr = errors.New("ONNX Runtime baseline skipped (-no-ort)")
	}
	for _, spin := range phases {
		var sess *ortSession
		if ortErr == nil {
			if sess, ortErr = startORT(o.python, modelPath, prompt, o.steps, threads, spin); ortErr != nil {
				fmt.Printf("  %v: our figures only\n", ortErr)
			}
		}
		for i := 0; i < o.runs; i++ {
			r, err := dec.run(prompt, o.steps, nil)
			if err != nil {
				return nil, err
			}
			oursRuns = append(oursRuns, r)
			if floor != nil {
				floor.measure(3)
			}
			if sess != nil {
				r, err := sess.decode()
				if err != nil { // our figures still stand
					fmt.Printf("  ONNX Runtime baseline failed: %v: our figures only\n", err)
					sess.close()
					sess, ortErr = nil, err
					continue
				}
				ortRuns[spin] = append(ortRuns[spin], r)
				ortInfo = *r
			}
		}
		for i := 0; long > 0 && i < 2; i++ {
			d, err := dec.prefill(prompt, long)
			if err != nil {
				return nil, fmt.Errorf("prefill of %d tokens: %w", long, err)
			}
			longOurs = append(longOurs, ms(d))
			if sess != nil {
				if t, err := sess.prefill(long); err == nil {
					longORT = append(longORT, t)
				} else {
					fmt.Printf("  ONNX Runtime prefill of %d tokens failed: %v\n", long, err)
				}
			}
		}
		if sess != nil {
			if ortInfo.MaxRSSMB > res.ortRSSMB {
				res.ortRSSMB = ortInfo.MaxRSSMB
			}
			sess.close() // frees its copy of the weights before the next phase
		}
	}
	ours, err := oursStats(oursRuns)
	if err != nil {
		return nil, err
	}
	res.ours = ours
	var ort *sideStats
	for _, spin := range phases {
		if len(ortRuns[spin]) == 0 {
			continue
		}
		st, err := ortStats(ortRuns[spin], spin)
		if err != nil {
			return nil, err
		}
		res.ortBySpin = append(res.ortBySpin, st)
		if ort == nil || st.envelopeTPS > ort.envelopeTPS {
			ort = st
		}
	}
	res.ort = ort
	if len(longOurs) > 0 {
		res.longTokens, res.longOursMs = long, slices.Min(longOurs)
		if len(longORT) > 0 {
			res.longORTMs = slices.Min(longORT)
		}
	}
	heap := oursRuns[0]
	if o.cpuprofile != "" || o.memprofile != "" || o.prefillProfile != "" {
		if err := profileDecode(dec, prompt, o); err != nil {
			return nil, err
		}
	}
	var floorMs float64
	var floorBytes int64
	var floorReps int
	if floor != nil {
		floorMs, floorBytes, floorReps = ms(floor.perToken()), floor.bytes, floor.reps
	}
	floor, ld.dec, dec = nil, nil, nil // let our weights go before the bandwidth run
	runtime.GC()

	// The kernel package's AVX2 streaming sum (what benchreport prints too):
	// 4 MiB passes walking a 256 MiB buffer, fastest of 256 (1 GiB read).
	// Short passes are what makes it usable on a shared machine: some run
	// while no neighbour holds the cores.
	bw := kernel.MeasureReadBandwidth(256<<20, 256) * 1e9
	limit := bw / float64(ld.perTokenBytes)
	load1 := loadAvg()
	res.load0, res.load1 = load0, load1

	fmt.Println()
	var sides []*sideStats
	sides = append(sides, ours)
	sides = append(sides, res.ortBySpin...)
	printTable(sides, ort, limit)
	fmt.Println()
	fmt.Printf("bandwidth limit: %.1f MB of weights read per token / %.1f GB/s measured streaming read (kernel.MeasureReadBandwidth: 4 MiB passes over a 256 MiB buffer, all cores, fastest of 256 = 1 GiB read) = %.1f tokens/s\n",
		float64(ld.perTokenBytes)/1e6, bw/1e9, limit)
	if len(ld.tables) > 0 {
		var parts []string
		for _, c := range ld.tables {
			parts = append(parts, fmt.Sprintf("%s %.1f MB", c.Name, float64(c.Desc.ByteLength())/1e6))
		}
		fmt.Printf("  (of the %.1f MB, these are only gathered from, one row per token, and not counted: %s)\n", float64(ld.weightBytes)/1e6, strings.Join(parts, ", "))
	}
	if ld.perTokenBytes < 64<<20 {
		fmt.Println("  note: weights this small stay in the caches between tokens, so the memory-bandwidth limit does not bound this model")
	} else if ours.fastestMs < 1e3/limit || ort != nil && ort.fastestMs < 1e3/limit {
		fmt.Println("  note: a step ran faster than the limit allows, so the bandwidth measured now is depressed by other load: read the limit as a lower estimate")
	}
	if floorErr != nil {
		fmt.Printf("weight matmuls alone: not measured: %v\n", floorErr)
	} else {
		fmt.Printf("our weight matmuls alone (kernel.Sgemm M=1, weights in place, on the graph's %d weight shapes, %.1f MB; each call's fastest of %d, run between our decodes): %.1f ms per token = %.1f GB/s sustained\n",
			len(ld.matmulShapes), float64(floorBytes)/1e6, floorReps, floorMs, float64(floorBytes)/floorMs/1e6)
		fmt.Println("  (the limit above is the fastest 4 MiB burst: an idle-machine ceiling; streaming the whole weight set sustains less)")
		if outside := ours.fastestMs - floorMs; outside > 0 {
			res.outsideMs, res.stepMs = outside, ours.fastestMs
			fmt.Printf("  our fastest step is %.1f ms: %.1f ms (%.0f%%) of it is outside the weight matmuls (runtime overhead, attention, KV cache, elementwise)\n",
				ours.fastestMs, outside, 100*outside/ours.fastestMs)
		} else {
			fmt.Printf("  our fastest step (%.1f ms) ran faster than the matmuls alone: the load changed between them; rerun\n", ours.fastestMs)
		}
	}
	if ort != nil {
		fmt.Printf("ONNX Runtime: %s, CPU EP, intra_op_num_threads=%d, inter-op 1 (sequential), graph optimizations ORT_ENABLE_ALL (ORT's default: fuses and pre-packs; our graph is run as converted); session load %.1f s; baseline: %s (the faster configuration)\n",
			ortInfo.Version, ortInfo.Threads, ortInfo.LoadS, ort.name)
		res.tokens = tokenAgreement(ours.tokens, ort.tokens)
		res.tokensSame = strings.HasPrefix(res.tokens, "identical")
		fmt.Printf("tokens (%d: 1 from the prefill + %d steps), ours vs ONNX Runtime: %s\n", len(ours.tokens), o.steps, res.tokens)
	}
	for _, s := range sides {
		if s != nil && s.diverged != "" {
			fmt.Printf("WARNING: %s produced different tokens in different runs: %s\n", s.name, s.diverged)
		}
	}
	if res.longTokens > 0 {
		fmt.Printf("prefill of %d tokens (the prompt repeated, past length 0), fastest of 2 per configuration: ours %.0f ms", res.longTokens, res.longOursMs)
		if res.longORTMs > 0 {
			fmt.Printf(", ONNX Runtime %.0f ms", res.longORTMs)
		}
		fmt.Println()
	}
	if len(prompt) == len(md.PromptIDs) && len(md.GreedyTokens) > 0 {
		fmt.Printf("reference (meta.json greedy_tokens, %d tokens): %s\n", len(md.GreedyTokens), tokenAgreement(ours.tokens, md.GreedyTokens))
	}
	fmt.Printf("our Go heap per single-token step: %.1f MB allocated in %.0f allocations; %d GCs over %d steps\n",
		heap.allocBytesPerStep/1e6, heap.mallocsPerStep, heap.gcs, o.steps)
	if oursRSS > 0 {
		fmt.Printf("peak RSS: ours %.0f MB (convert + compile + warm-up decode, in process)", float64(oursRSS)/1e6)
		if res.ortRSSMB > 0 {
			fmt.Printf(", ONNX Runtime %.0f MB (python process)", res.ortRSSMB*1.048576)
		}
		fmt.Println()
	}
	fmt.Printf("machine: %d cores, load average %s at start, %s at end\n", runtime.NumCPU(), load0, load1)
	if busy(load0, runtime.NumCPU()) || busy(load1, runtime.NumCPU()) {
		res.busy = true
		fmt.Println("  note: the 1-minute load average exceeds the core count: every figure above is depressed by other processes, and unevenly")
		fmt.Println("  (ONNX Runtime's spin-waiting thread pool loses most when the cores are oversubscribed): the ratios are only indicative; rerun idle")
	}
	if o.verbose {
		for _, s := range sides {
			if s != nil {
				fmt.Printf("%s, ms per single-token step (fastest run): %s\n", s.name, msList(s.stepsMs))
			}
		}
	}
	if o.memprofile != "" {
		fmt.Printf("allocation profile of one decode's %d single-token steps: %s (go tool pprof -sample_index=alloc_space -top %s)\n", o.steps, o.memprofile, o.memprofile)
	}
	if o.cpuprofile != "" {
		fmt.Printf("CPU profile of one decode's %d single-token steps: %s (go tool pprof -top %s)\n", o.steps, o.cpuprofile, o.cpuprofile)
	}
	return res, nil
}

// loaded is a model converted and compiled for decoding.
type loaded struct {
	model            *onnxpb.Model
	dec              *decoder
	weightBytes      int64         // bytes of all @weights constants
	perTokenBytes    int64         // of those, what one single-token step streams
	tables           []graph.Const // weights only gathered from: one row per token
	matmulShapes     [][2]int      // [K, N] of every matmul with a weight operand
	convert, compile time.Duration
}

// loadDecoder converts modelPath in memory, as `webnn-graph convert` does
// (default bounds), and compiles it on the WebNN runtime.
func loadDecoder(modelPath string, useCache bool) (*loaded, error) {
	t0 := time.Now()
	m, err := onnxpb.Load(modelPath)
	if err != nil {
		return nil, err
	}
	res, err := lower.Convert(m, lower.Options{Name: "model"})
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("convert %s: %w", modelPath, err)
	}
	ld := &loaded{model: m, convert: time.Since(t0)}
	ws := lowerWeights{}
	for _, w := range res.Weights {
		ws[w.Key] = w
	}
	ld.weightBytes, ld.perTokenBytes, ld.tables = weightTraffic(res.Graph)
	ld.matmulShapes = matmulWeightShapes(res.Graph)
	t0 = time.Now()
	prog, err := webnn.Compile(res.Graph, ws)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("compile %s: %w", modelPath, err)
	}
	ld.compile = time.Since(t0)
	if ld.dec, err = newDecoder(prog, res.Names, useCache); err != nil {
		m.Close()
		return nil, err
	}
	return ld, nil
}

// profileDecode runs one more decode per profile asked for (after the
// measured ones, so profiling never slows a measurement; apart, because
// recording every allocation would show up in the CPU profile), with its
// single-token steps profiled; -prefillprofile profiles 100 prefills of the
// prompt instead (the prefill-of-6-tokens row: per-op overhead at small M).
func profileDecode(dec *decoder, prompt []int64, o options) error {
	if o.prefillProfile != "" {
		f, err := os.Create(o.prefillProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		var total time.Duration
		for i := 0; i < 100 && err == nil; i++ {
			var d time.Duration
			d, err = dec.prefill(prompt, len(prompt))
			total += d
		}
		pprof.StopCPUProfile()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		fmt.Printf("prefill profile: 100 prefills of %d tokens, %.2f ms each on average, in %s\n", len(prompt), ms(total)/100, o.prefillProfile)
	}
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return err
		}
		_, err = dec.run(prompt, o.steps, &stepHooks{
			start: func() error { return pprof.StartCPUProfile(f) },
			stop:  pprof.StopCPUProfile,
		})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if o.memprofile == "" {
		return nil
	}
	_, err := dec.run(prompt, o.steps, &stepHooks{
		start: func() error { runtime.MemProfileRate = 1; return nil },
		stop:  func() { runtime.MemProfileRate = 0 },
	})
	if err != nil {
		return err
	}
	f, err := os.Create(o.memprofile)
	if err != nil {
		return err
	}
	runtime.GC() // the allocs profile is complete as of the last GC
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func printTable(sides []*sideStats, ort *sideStats, limit float64) {
	ratio := func(a, b float64) string {
		if b <= 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f×", a/b)
	}
	f1 := func(v float64) string { return fmt.Sprintf("%.1f", v) }
	table := [][]string{{"runtime", "prefill ms", "decode tokens/s", "vs ONNX Runtime", "vs bandwidth limit",
		"median step ms", "fastest step ms", "per-step best tokens/s", "vs ORT"}}
	for _, s := range sides {
		if s == nil {
			continue
		}
		vsORT, vsORTEnv := "n/a", "n/a"
		if ort != nil {
			vsORT, vsORTEnv = ratio(s.tps, ort.tps), ratio(s.envelopeTPS, ort.envelopeTPS)
		}
		table = append(table, []string{s.name, f1(s.prefillMs), f1(s.tps), vsORT, ratio(s.tps, limit),
			f1(s.medianMs), f1(s.fastestMs), f1(s.envelopeTPS), vsORTEnv})
	}
	var ortTPS, ortEnv float64
	if ort != nil {
		ortTPS, ortEnv = ort.tps, ort.envelopeTPS
	}
	table = append(table, []string{"bandwidth limit (weights/token)", "-", f1(limit), ratio(limit, ortTPS), "1.00×",
		f1(1e3 / limit), f1(1e3 / limit), f1(limit), ratio(limit, ortEnv)})
	printAligned(table)
	fmt.Printf("decode tokens/s = single-token steps / their total time (prefill excluded), fastest of %d runs; median step of that run;\n", sides[0].runs)
	fmt.Println("per-step best = each step's fastest time over the runs (the same step costs the same in every run; the minimum filters out the neighbours)")
}

// printAligned prints rows as columns: the first left-aligned, the rest
// right-aligned, widths counted in runes (× is two bytes).
func printAligned(rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString("  " + pad + c)
			}
		}
		fmt.Println(b.String())
	}
}

func msList(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.1f", x)
	}
	return strings.Join(parts, " ")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

// oursStats summarises our runs.
func oursStats(runs []*decodeRun) (*sideStats, error) {
	var prefill []float64
	var steps [][]float64
	var tokens [][]int64
	for _, r := range runs {
		prefill = append(prefill, ms(r.prefill))
		st := make([]float64, len(r.steps))
		for i, d := range r.steps {
			st[i] = ms(d)
		}
		steps = append(steps, st)
		tokens = append(tokens, r.tokens)
	}
	return summarise("webnn-graph (runtime/webnn)", prefill, steps, tokens)
}

// ortStats summarises ONNX Runtime's runs in one configuration.
func ortStats(runs []*ortResult, spin bool) (*sideStats, error) {
	var prefill []float64
	var steps [][]float64
	var tokens [][]int64
	for _, r := range runs {
		if len(r.MsPerStep) < 2 {
			return nil, fmt.Errorf("ort_decode.py reported %d step times", len(r.MsPerStep))
		}
		prefill = append(prefill, r.MsPerStep[0])
		steps = append(steps, r.MsPerStep[1:])
		tokens = append(tokens, r.Tokens)
	}
	pool := "sleeping pool"
	if spin {
		pool = "spinning pool"
	}
	return summarise("ONNX Runtime "+runs[0].Version+" (CPU EP, "+pool+")", prefill, steps, tokens)
}

// tokenAgreement compares our tokens with other's over their common
// length, naming the first divergence.
func tokenAgreement(ours, other []int64) string {
	n := min(len(ours), len(other))
	for i := 0; i < n; i++ {
		if ours[i] != other[i] {
			where := "the prefill"
			if i > 0 {
				where = fmt.Sprintf("step %d", i)
			}
			return fmt.Sprintf("DIVERGE at token %d (%s): ours %d, theirs %d (the %d before agree)", i, where, ours[i], other[i], i)
		}
	}
	if len(ours) != len(other) {
		return fmt.Sprintf("the first %d identical (ours %d tokens, theirs %d)", n, len(ours), len(other))
	}
	return fmt.Sprintf("identical (%d tokens)", n)
}

// busy reports whether a loadAvg string's 1-minute average exceeds cores.
func busy(load string, cores int) bool {
	var one float64
	if _, err := fmt.Sscan(load, &one); err != nil {
		return false
	}
	return one > float64(cores)
}

// loadAvg is /proc/loadavg's 1, 5 and 15 minute averages, or "unknown".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
