package emit

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
)

// expectedFailures reads testdata/compat-must-fail.txt: path → kind.
func expectedFailures(t *testing.T) map[string]string {
	f, err := os.Open(filepath.Join("testdata", "compat-must-fail.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "#"); i >= 0 {
			if i == 0 {
				continue
			}
			line = strings.TrimSpace(line[:i])
		}
		kind, path, ok := strings.Cut(line, " ")
		if !ok || (kind != "parse" && kind != "text") {
			t.Fatalf("compat-must-fail.txt: bad line %q", sc.Text())
		}
		m[strings.TrimSpace(path)] = kind
	}
	return m
}

// Every graph of the compatibility corpus parses (except listed negative
// tests), prints to a text fixed point, and survives text → JSON → text;
// JSON files also survive JSON → JSON.
func TestCompatCorpus(t *testing.T) {
	root := testenv.Shared(t, "compat/webnn-graph")
	expect := expectedFailures(t)
	var files []string
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		base := filepath.Base(p)
		if strings.HasSuffix(base, ".webnn") || strings.HasSuffix(base, ".json") && !strings.HasSuffix(base, "manifest.json") && !strings.HasSuffix(base, ".meta.json") {
			rel, _ := filepath.Rel(root, p)
			files = append(files, rel)
		}
		return nil
	})
	sort.Strings(files)
	passed, failed := 0, 0
	seen := map[string]bool{}
	for _, rel := range files {
		seen[rel] = true
		err := checkCompatFile(filepath.Join(root, rel), expect[rel])
		if err == errNowPasses {
			t.Logf("%s is listed in testdata/compat-must-fail.txt but now passes: remove it from the list", rel)
			passed++
			continue
		}
		if err != nil {
			failed++
			t.Errorf("%s: %v", rel, err)
		} else {
			passed++
		}
	}
	for rel := range expect {
		if !seen[rel] {
			t.Errorf("compat-must-fail.txt lists %s, which is not in the corpus", rel)
		}
	}
	if len(files) < 28 {
		t.Errorf("only %d corpus graphs found", len(files))
	}
	testenv.Report("compat corpus: %d passed, %d failed, 0 skipped (%d expected failures listed)", passed, failed, len(expect))
}

var errNowPasses = errors.New("listed as an expected failure but passes now")

func checkCompatFile(path, expect string) error {
	g, err := LoadGraphFile(path)
	if expect == "parse" {
		if err == nil {
			return errNowPasses
		}
		return nil
	}
	if err != nil {
		return err
	}
	// JSON → JSON is a fixed point of the printer.
	js, err := PrintJSON(g)
	if err != nil {
		return err
	}
	gj, err := ParseJSON(js)
	if err != nil {
		return fmt.Errorf("reparse JSON: %v", err)
	}
	if !reflect.DeepEqual(normalize(g), normalize(gj)) {
		return fmt.Errorf("graph changed through JSON")
	}
	text, err := PrintTextWith(g, TextOptions{GrammarIdents: true})
	if expect == "text" {
		if err == nil {
			return errNowPasses
		}
		if !strings.Contains(err.Error(), "cannot rename outputs") {
			return fmt.Errorf("listed as must-fail (text) but printing failed otherwise: %v", err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	g2, err := ParseText(text)
	if err != nil {
		return fmt.Errorf("reparse: %v\n%s", err, text)
	}
	text2, err := PrintTextWith(g2, TextOptions{GrammarIdents: true})
	if err != nil {
		return err
	}
	if string(text) != string(text2) {
		return fmt.Errorf("print(parse(x)) is not a fixed point:\n%s\n---\n%s", text, text2)
	}
	// text → JSON → text.
	js2, err := PrintJSON(g2)
	if err != nil {
		return err
	}
	g3, err := ParseJSON(js2)
	if err != nil {
		return err
	}
	text3, err := PrintTextWith(g3, TextOptions{GrammarIdents: true})
	if err != nil {
		return err
	}
	if string(text3) != string(text) {
		return fmt.Errorf("text → JSON → text changed the graph:\n%s\n---\n%s", text, text3)
	}
	// The parsed graph keeps what the file says (spot checks by construction:
	// same counts as the first parse).
	if len(g2.Nodes) != len(g.Nodes) || len(g2.Inputs) != len(g.Inputs) || len(g2.Consts) != len(g.Consts) || len(g2.Outputs) != len(g.Outputs) {
		return fmt.Errorf("item counts changed through text")
	}
	return nil
}

// Facts the corpus files state, checked on the parsed graphs.
func TestCompatCorpusContent(t *testing.T) {
	root := testenv.Shared(t, "compat/webnn-graph")
	g, err := LoadGraphFile(filepath.Join(root, "rustnn-webnn-graph/embedded/src-parser/test_parse_concat_bracket_input_list.webnn"))
	if err != nil {
		t.Fatal(err)
	}
	var concat = -1
	for i, n := range g.Nodes {
		if n.Op == "concat" {
			concat = i
		}
	}
	if concat < 0 || !reflect.DeepEqual(g.Nodes[concat].Inputs, []string{"tensors_0", "tensors_1"}) || !reflect.DeepEqual(g.Nodes[concat].Outputs, []string{"operand_1"}) {
		t.Errorf("bracketed concat inputs not flattened: %+v", g.Nodes)
	}
	g, err = LoadGraphFile(filepath.Join(root, "rustnn-rustnn/examples/sample_graph.json"))
	if err != nil {
		t.Fatal(err)
	}
	if g.Nodes[0].ID != "add_lhs_rhs" || !reflect.DeepEqual(g.Nodes[0].Outputs, []string{"sum"}) || len(g.Consts[0].Bytes) != 16 {
		t.Errorf("sample_graph.json: %+v", g)
	}
	g, err = LoadGraphFile(filepath.Join(root, "rebeckerspecialties-webnn-graph/examples/format_reference.webnn"))
	if err != nil {
		t.Fatal(err)
	}
	if g.Version != 2 || !g.Quantized || g.Consts[2].Ref != "encoder.weight" || g.Inputs[0].Desc.Shape[0].Name != "batch" {
		t.Errorf("format_reference: %+v", g)
	}
}
