package main

import (
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// junitSuites parses verify's JUnit XML into suite name → test case
// names and failing test case names.
func junitSuites(t *testing.T, path string) (order []string, tests, failures map[string][]string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name `xml:"testsuites"`
		Suites  []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("JUnit XML does not parse: %v\n%s", err, b)
	}
	tests, failures = map[string][]string{}, map[string][]string{}
	for _, s := range doc.Suites {
		order = append(order, s.Name)
		for _, c := range s.Cases {
			tests[s.Name] = append(tests[s.Name], c.Name)
			if c.Failure != nil {
				failures[s.Name] = append(failures[s.Name], c.Name)
			}
		}
		if s.Tests != len(s.Cases) || s.Failures != len(failures[s.Name]) {
			t.Errorf("suite %q: tests=%d failures=%d for %d test cases, %d failing", s.Name, s.Tests, s.Failures, len(s.Cases), len(failures[s.Name]))
		}
	}
	return order, tests, failures
}

// caseNames lists the npz files of dir without their extension, sorted.
func caseNames(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.npz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases in %s: %v", dir, err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".npz"))
	}
	sort.Strings(names)
	return names
}

// TestVerifyCaseDirectory verifies zoo models with their whole cases/
// directory in one run: every case passes on both runtimes and against
// its own out.* reference, and the JUnit XML has one suite per case, in
// file-name order, with a test case per output and pair (and the decode
// run's steps in the suite of the prefill it starts from).
func TestVerifyCaseDirectory(t *testing.T) {
	rows := []struct {
		model      string
		outputs    int    // outputs of the model: each compared webnn vs onnx and both vs the reference
		decodeCase string // the case the greedy decode starts from
	}{
		{"smollm-tiny", 5, "step00"},
		{"gpt2-tiny", 5, "step00"},
		{"bert-tiny", 2, ""},
	}
	for _, r := range rows {
		t.Run(r.model, func(t *testing.T) {
			dir := testenv.ZooModel(t, r.model)
			cases := caseNames(t, filepath.Join(dir, "cases"))
			out := t.TempDir()
			junit := filepath.Join(out, "junit.xml")
			status, stdout, stderr := cli(t, "verify", filepath.Join(dir, "model.onnx"), "--inputs", filepath.Join(dir, "cases"),
				"--report", out, "--junit", junit, "--steps", "4")
			if status != 0 {
				t.Fatalf("verify: exit %d\n%s\n%s", status, stdout, stderr)
			}
			perCase := 3 * r.outputs
			if want := "PASS: " + strconv.Itoa(perCase*len(cases)) + " comparisons in " + strconv.Itoa(len(cases)) + " cases within tolerance"; !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
			order, tests, failures := junitSuites(t, junit)
			if len(order) != len(cases) {
				t.Fatalf("%d JUnit suites, want one per case (%d)", len(order), len(cases))
			}
			md, err := os.ReadFile(filepath.Join(out, "report.md"))
			if err != nil {
				t.Fatal(err)
			}
			for i, name := range cases {
				suite := "model.onnx [" + name + "]"
				if !strings.HasSuffix(order[i], suite) {
					t.Errorf("suite %d is %q, want …%s", i, order[i], suite)
				}
				want := perCase
				if name == r.decodeCase {
					want += 4
				}
				if n := len(tests[order[i]]); n != want {
					t.Errorf("suite %q has %d test cases, want %d", order[i], n, want)
				}
				if len(failures[order[i]]) > 0 {
					t.Errorf("suite %q fails: %v", order[i], failures[order[i]])
				}
				if !strings.Contains(string(md), "| `"+name+"` ") {
					t.Errorf("report.md has no row for case %s", name)
				}
			}
		})
	}
}

// TestVerifyCasePerturbed copies a zoo decoder's cases and changes one
// logit of one case's reference: verify fails, naming that case and
// output, and only that case's JUnit suite and report row fail.
func TestVerifyCasePerturbed(t *testing.T) {
	src := filepath.Join(testenv.ZooModel(t, "smollm-tiny"))
	cases := t.TempDir()
	names := caseNames(t, filepath.Join(src, "cases"))
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(src, "cases", n+".npz"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cases, n+".npz"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const bad = "step05"
	p := filepath.Join(cases, bad+".npz")
	ts, keys, err := tensor.ReadNPZ(p)
	if err != nil {
		t.Fatal(err)
	}
	ts["out.logits"].Data.([]float32)[17] += 0.5
	if err := tensor.WriteNPZ(p, keys, ts); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	junit := filepath.Join(out, "junit.xml")
	status, stdout, stderr := cli(t, "verify", filepath.Join(src, "model.onnx"), "--inputs", cases, "--report", out, "--junit", junit, "--steps", "2")
	if status != 1 {
		t.Fatalf("verify: exit %d, want 1\n%s\n%s", status, stdout, stderr)
	}
	want := "in 1 of " + strconv.Itoa(len(names)) + " cases; worst: case " + bad + ": logits (onnx vs reference): max abs 0.5 at [0 0 17]"
	if !strings.Contains(stderr, want) {
		t.Errorf("the failure line does not name the case and output (%q):\n%s", want, stderr)
	}
	if !strings.Contains(stdout, "case "+bad+":\n") || strings.Count(stdout, "FAIL (") != 1 {
		t.Errorf("stdout does not single out case %s:\n%s", bad, stdout)
	}
	order, _, failures := junitSuites(t, junit)
	if len(order) != len(names) {
		t.Fatalf("%d suites, want %d", len(order), len(names))
	}
	for _, s := range order {
		wantFail := 0
		if strings.HasSuffix(s, "["+bad+"]") {
			wantFail = 2 // logits onnx vs reference, webnn vs reference
		}
		if len(failures[s]) != wantFail {
			t.Errorf("suite %q: failing %v, want %d", s, failures[s], wantFail)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	for _, s := range []string{"| `" + bad + "` (worst) | **FAIL (2 of 15)** | `logits` | onnx vs reference | 0.5 |", "### Case `" + bad + "` (worst)", "in 1 of 18 cases"} {
		if !strings.Contains(string(md), s) {
			t.Errorf("report.md lacks %q", s)
		}
	}
}

// TestVerifyCasesLocalize corrupts a weight of a converted zoo decoder:
// every case fails, and --localize localises the first one, naming the
// consuming node and the case.
func TestVerifyCasesLocalize(t *testing.T) {
	zoo := testenv.ZooModel(t, "gpt2-tiny")
	model := filepath.Join(zoo, "model.onnx")
	dir := filepath.Join(t.TempDir(), "g")
	if status, _, stderr := cli(t, "convert", "-q", model, "-o", dir); status != 0 {
		t.Fatalf("convert: %s", stderr)
	}
	corruptWeight(t, dir, "transformer_h_0_attn_c_proj_weight")
	cases := caseNames(t, filepath.Join(zoo, "cases"))
	out := t.TempDir()
	status, stdout, stderr := cli(t, "verify", model, "--graph", dir, "--inputs", filepath.Join(zoo, "cases"), "--localize", "--report", out, "--steps", "0")
	if status != 1 {
		t.Fatalf("verify: exit %d, want 1\n%s\n%s", status, stdout, stderr)
	}
	want := `first diverging node: "/transformer/h.0/attn/c_proj/Gemm" (Gemm) in case ` + cases[0]
	if !strings.Contains(stderr, want) || !strings.Contains(stdout, "localize: case "+cases[0]+"\n") {
		t.Errorf("verify does not localise the first case (%q):\n%s\n%s", want, stdout, stderr)
	}
	if strings.Count(stdout, "localize: first diverging node") != 1 {
		t.Errorf("not exactly one localisation:\n%s", stdout)
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	if i, j := strings.Index(string(md), "### Case `"+cases[0]+"`"), strings.Index(string(md), "### First diverging node"); i < 0 || j < i {
		t.Errorf("report.md does not show the localisation under case %s:\n%s", cases[0], md)
	}
}

// TestListCases checks how --inputs and --reference become cases.
func TestListCases(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "cases")
	other := filepath.Join(tmp, "other")
	refs := filepath.Join(tmp, "refs")
	outside := filepath.Join(tmp, "outside.npz")
	for _, d := range []string{dir, other, refs, filepath.Join(dir, "sub.npz"), filepath.Join(tmp, "empty")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(dir, "b.npz"), filepath.Join(dir, "a.npz"), filepath.Join(dir, "notes.txt"),
		filepath.Join(other, "a.npz"), filepath.Join(refs, "a.npz"), filepath.Join(refs, "b.npz"), outside} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	linked := filepath.Join(tmp, "linked")
	os.MkdirAll(linked, 0o755)
	if err := os.Symlink("../outside.npz", filepath.Join(linked, "out.npz")); err != nil {
		t.Skip("no symbolic links here")
	}
	inside := filepath.Join(tmp, "inside")
	os.MkdirAll(inside, 0o755)
	os.WriteFile(filepath.Join(inside, "real.npz"), []byte("x"), 0o644)
	os.Symlink("real.npz", filepath.Join(inside, "alias.npz"))

	rows := []struct {
		name      string
		inputs    []string
		reference string
		want      []string // case names
		refs      []string // base names of the references
		err       string
		usage     bool
	}{
		{"generated", nil, "", []string{"generated (seed 7)"}, []string{""}, "", false},
		{"file", []string{filepath.Join(dir, "b.npz")}, "", []string{"b"}, []string{""}, "", false},
		{"directory sorted, only *.npz files", []string{dir}, "", []string{"a", "b"}, []string{"", ""}, "", false},
		{"same name twice: by path", []string{dir, filepath.Join(other, "a.npz")}, "", []string{filepath.ToSlash(filepath.Join(dir, "a.npz")), "b", filepath.ToSlash(filepath.Join(other, "a.npz"))}, nil, "", false},
		{"empty directory", []string{filepath.Join(tmp, "empty")}, "", nil, nil, "no .npz files", false},
		{"missing", []string{filepath.Join(tmp, "nope")}, "", nil, nil, "nope", false},
		{"reference file, one case", []string{filepath.Join(dir, "a.npz")}, outside, []string{"a"}, []string{"outside.npz"}, "", false},
		{"reference file, several cases", []string{dir}, outside, nil, nil, "is one file but there are 2 cases", true},
		{"reference directory", []string{dir}, refs, []string{"a", "b"}, []string{"a.npz", "b.npz"}, "", false},
		{"reference directory lacks a case", []string{dir, filepath.Join(inside, "real.npz")}, refs, nil, nil, "the reference of case real", false},
		{"link out of the directory", []string{linked}, "", nil, nil, "outside", false},
		{"link inside the directory", []string{inside}, "", []string{"alias", "real"}, nil, "", false},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			cases, err := listCases(r.inputs, r.reference, 7)
			if r.err != "" {
				var ue usageError
				if err == nil || !strings.Contains(err.Error(), r.err) || errors.As(err, &ue) != r.usage {
					t.Fatalf("error %v, want one with %q (usage error %v)", err, r.err, r.usage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for i, c := range cases {
				names = append(names, c.Name)
				if r.refs != nil && filepath.Base(c.Ref) != r.refs[i] && !(c.Ref == "" && r.refs[i] == "") {
					t.Errorf("case %s: reference %q, want …%s", c.Name, c.Ref, r.refs[i])
				}
			}
			if strings.Join(names, "|") != strings.Join(r.want, "|") {
				t.Errorf("cases %q, want %q", names, r.want)
			}
		})
	}
}
