package emitjs

import (
	"context"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
)

// TestLayout checks the drawing of the all-ops graph: every operand drawn
// above its consumers, boxes of a layer apart, everything inside the
// canvas, inputs right above their first consumer.
func TestLayout(t *testing.T) {
	for _, name := range []string{"ops", "dynamic"} {
		g, err := emit.LoadGraphFile(filepath.Join("testdata", name+".webnn"))
		if err != nil {
			t.Fatal(err)
		}
		d := layout(g)
		if want := len(g.Inputs) + len(g.Nodes) + len(g.Outputs); len(d.boxes) != want {
			t.Fatalf("%s: %d boxes, want %d", name, len(d.boxes), want)
		}
		byLayer := map[int][]box{}
		for _, b := range d.boxes {
			for _, p := range b.preds {
				if d.boxes[p].layer >= b.layer {
					t.Errorf("%s: %s (layer %d) is not below its operand %s (layer %d)", name, b.id, b.layer, d.boxes[p].id, d.boxes[p].layer)
				}
			}
			if b.x-b.w/2 < 0 || b.x+b.w/2 > d.width || boxY(b.layer)+boxH > d.height {
				t.Errorf("%s: %s lies outside the %vx%v canvas", name, b.id, d.width, d.height)
			}
			for _, o := range byLayer[b.layer] {
				if b.x-b.w/2 < o.x+o.w/2+nodeGap-0.01 && o.x-o.w/2 < b.x+b.w/2+nodeGap-0.01 {
					t.Errorf("%s: %s and %s overlap in layer %d", name, b.id, o.id, b.layer)
				}
			}
			byLayer[b.layer] = append(byLayer[b.layer], b)
		}
		for i, b := range d.boxes {
			if b.kind != "input" {
				continue
			}
			first := -1
			for _, c := range d.boxes {
				for _, p := range c.preds {
					if p == i && (first < 0 || c.layer < first) && c.kind != "output" {
						first = c.layer
					}
				}
			}
			if first >= 0 && b.layer != first-1 {
				t.Errorf("%s: input %s in layer %d, its first consumer in %d", name, b.id, b.layer, first)
			}
		}
	}
}

// TestPageSummary checks the page's static part, which needs no browser.
func TestPageSummary(t *testing.T) {
	g, err := emit.LoadGraphFile(filepath.Join("testdata", "dynamic.webnn"))
	if err != nil {
		t.Fatal(err)
	}
	page, err := Page(g, PageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, want := range []string{
		`<title>dynamic · WebNN</title>`, `id="stat-nodes">12<`, `id="stat-consts">3<`, `1,024 bytes`,
		`[batch_size ≤ 4, sequence_length ≤ 16, 8]`, `name="past_sequence_length" min="1" max="16" value="1"`,
		`import { load, webnnAvailable, fromHalf } from ".\/model.js"`, `WebNN is not available in this browser.`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if n := strings.Count(s, `<g class="n `); n != len(g.Inputs)+len(g.Nodes)+len(g.Outputs) {
		t.Errorf("%d boxes drawn, want %d", n, len(g.Inputs)+len(g.Nodes)+len(g.Outputs))
	}
	// Self-contained: nothing is loaded from elsewhere.
	if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import`).FindString(s); m != "" {
		t.Errorf("the page loads something from the network: %q", m)
	}
}

// chromiumFlags run Debian's chromium headless, offline and without state.
func chromiumFlags(userData string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + userData}
}

// mockShim gives the page the recording WebNN of webnn_mock.mjs and
// presses "Build & run" once the page is parsed. The page's load event
// waits for /_test/wait, which the test server answers once the page has
// shown its results (or an error) and fetched /_test/done, so
// --dump-dom sees the finished run without timing guesses.
const mockShim = `<script>
Object.defineProperty(Navigator.prototype, "ml", { configurable: true, get() {
  return { createContext: async (o) => (await import("/_test/webnn_mock.mjs")).createContext(o) };
} });
addEventListener("DOMContentLoaded", () => {
  const done = () => fetch("/_test/done");
  new MutationObserver(() => {
    if (document.querySelector("#run-results table, #run-log .err")) done();
  }).observe(document.body, { subtree: true, childList: true });
  document.getElementById("repeat").value = "3";
  setTimeout(() => document.getElementById("run").click(), 0);
});
</script><img src="/_test/wait" alt="" style="display:none">`

// TestPageInChromium serves the emit-html page of bert-tiny (the example
// model without the zoo) from a local server and loads it in headless
// Chromium, which has no WebNN: --dump-dom must show the summary, the
// drawing, the "WebNN is not available" message and the module's effect
// (it ran, so it loaded); --screenshot must show something. The
// screenshot stays in $TMPDIR/webnn-graph-emit-html/ to look at. Then the
// page runs once more with the recording WebNN of webnn_mock.mjs
// installed: pressing "Build & run" must fetch the weights, build, run
// and show the timing and one statistics row per output.
func TestPageInChromium(t *testing.T) {
	chromium := ""
	for _, c := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(c); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		t.Skip("skipping: chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)")
	}
	dir := t.TempDir()
	var g *graph.Graph
	name := "bert-tiny"
	if testenv.SharedDir() != "" {
		g = convertInto(t, filepath.Join(testenv.ZooModel(t, name), "model.onnx"), dir, nil)
	} else {
		name = "tiny_cnn"
		g = convertInto(t, filepath.Join(testenv.RepoRoot(), "testdata", "example", "tiny_cnn.onnx"), dir, nil)
	}
	js, err := Module(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	page, err := Page(g, PageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "model.js"), js, 0o644)
	os.WriteFile(filepath.Join(dir, "index.html"), page, 0o644)

	var mu sync.Mutex
	var requested []string
	finished := make(chan struct{}, 1)
	files := http.FileServer(http.Dir(dir))
	testdata, _ := filepath.Abs("testdata")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requested = append(requested, r.URL.Path)
		mu.Unlock()
		switch {
		case r.URL.Path == "/mock.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(strings.Replace(string(page), "<head>", "<head>"+mockShim, 1)))
		case r.URL.Path == "/_test/done":
			select {
			case finished <- struct{}{}:
			default:
			}
		case r.URL.Path == "/_test/wait":
			select {
			case <-finished:
			case <-time.After(45 * time.Second):
			}
			w.Header().Set("Content-Type", "image/gif")
			w.Write([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"))
		case strings.HasPrefix(r.URL.Path, "/_test/") && strings.HasSuffix(r.URL.Path, ".mjs"):
			b, err := os.ReadFile(filepath.Join(testdata, filepath.Base(r.URL.Path)))
			if err != nil {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(b)
		default:
			files.ServeHTTP(w, r)
		}
	}))
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("the test server is not on 127.0.0.1: %s", srv.URL)
	}
	run := func(args ...string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, chromium, append(chromiumFlags(t.TempDir()), args...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
		}
		return out
	}
	shot := filepath.Join(t.TempDir(), "page.png")
	start := time.Now()
	dom := string(run("--hide-scrollbars", "--window-size=1280,1800", "--screenshot="+shot, "--dump-dom", srv.URL+"/"))
	plainTime := time.Since(start)
	for _, want := range []string{
		"WebNN is not available in this browser.",
		`title="WebNN is not available in this browser"`, // set by the page's module: model.js loaded and ran
		fmt.Sprintf(`id="stat-nodes">%d<`, len(g.Nodes)),
		fmt.Sprintf(`id="stat-inputs">%d<`, len(g.Inputs)),
		fmt.Sprintf(`id="stat-consts">%d<`, len(g.Consts)),
		groupDigits(totalWeightBytes(g)) + " bytes",
		`<svg id="graph-svg"`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page in Chromium lacks %q", want)
		}
	}
	for _, in := range g.Inputs {
		if !strings.Contains(dom, "<code>"+in.Name+"</code>") {
			t.Errorf("the inputs table lacks %s", in.Name)
		}
	}
	hist := map[string]int{}
	for _, n := range g.Nodes {
		hist[n.Op]++
	}
	for op, n := range hist {
		if !strings.Contains(dom, fmt.Sprintf(`<span class="mono">%s</span>`, op)) || !strings.Contains(dom, fmt.Sprintf(`<span class="n">%d</span>`, n)) {
			t.Errorf("the op histogram lacks %s × %d", op, n)
		}
	}
	if n := strings.Count(dom, `<g class="n `); n != len(g.Inputs)+len(g.Nodes)+len(g.Outputs) {
		t.Errorf("%d boxes in the drawing, want %d", n, len(g.Inputs)+len(g.Nodes)+len(g.Outputs))
	}

	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	colors := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colors[r>>8<<16|g>>8<<8|bl>>8] = true
		}
	}
	if b.Dx() != 1280 || b.Dy() != 1800 || len(colors) < 50 {
		t.Errorf("screenshot %dx%d with %d colours: blank?", b.Dx(), b.Dy(), len(colors))
	}
	keep := filepath.Join(os.TempDir(), "webnn-graph-emit-html")
	if err := os.MkdirAll(keep, 0o755); err == nil {
		data, _ := os.ReadFile(shot)
		p := filepath.Join(keep, name+".png")
		if os.WriteFile(p, data, 0o644) == nil {
			t.Logf("screenshot: %s", p)
		}
	}
	mu.Lock()
	for _, p := range requested {
		switch p {
		case "/", "/model.js", "/favicon.ico":
		default:
			t.Errorf("the page requested %s (with no WebNN it needs only the page and model.js)", p)
		}
	}
	requested = nil
	mu.Unlock()

	// With the recording WebNN: one build and run from the page's button.
	start = time.Now()
	dom = string(run("--dump-dom", srv.URL+"/mock.html"))
	mockTime := time.Since(start)
	runLog := regexp.MustCompile(`(?s)<div id="run-log"[^>]*>(.*?)</div>`).FindStringSubmatch(dom)
	if runLog == nil {
		t.Fatalf("no run log in the page")
	}
	if strings.Contains(runLog[1], `class="err"`) {
		t.Errorf("the run failed in the page: %s", runLog[1])
	}
	for _, want := range []string{"Built in <b>", "ms</b> per run (median of 3"} {
		if !strings.Contains(runLog[1], want) {
			t.Errorf("the page's run with a (recording) WebNN: the log %q lacks %q", runLog[1], want)
		}
	}
	if !strings.Contains(dom, "WebNN is available.") {
		t.Errorf("the page with a (recording) WebNN does not say WebNN is available")
	}
	for _, o := range g.Outputs {
		if !regexp.MustCompile(`<tr><td><code>` + regexp.QuoteMeta(o.Name) + `</code></td><td>float32</td><td class="mono">\[[0-9,]+\]</td><td>0</td><td>0</td>`).MatchString(dom) {
			t.Errorf("no statistics row for output %s", o.Name)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	fetched := strings.Join(requested, " ")
	for _, want := range []string{"/model.weights", "/manifest.json", "/_test/webnn_mock.mjs"} {
		if !strings.Contains(fetched, want) {
			t.Errorf("the run did not fetch %s (requests: %s)", want, fetched)
		}
	}
	t.Logf("%s: page without WebNN (--dump-dom and --screenshot) %v, page with the recording WebNN %v; requests %v",
		name, plainTime.Round(time.Millisecond), mockTime.Round(time.Millisecond), requested)
}

func totalWeightBytes(g *graph.Graph) int64 {
	var n int64
	for _, c := range g.Consts {
		n += c.Desc.ByteLength()
	}
	return n
}
