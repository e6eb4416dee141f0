package hostile

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/textsafe"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/webnn-graph/webnn-graph/weights"
)

// Rows for names that carry control characters or markup into the files
// webnn-graph writes for people and browsers: the .webnn text (its
// comments hold the ONNX names), emit-html's page and drawing, emit-js's
// module. Each output must stay well-formed and inert: no NUL, ESC, CR or
// C1 control (a `cat model.webnn` would run the name's terminal escapes,
// a NUL makes the page malformed), no markup or script break-out.

const classMarkup = "10.5 names with control characters and markup in written files"

// controlName holds every kind of character textsafe replaces, plus
// markup for HTML, SVG and a JavaScript template literal.
const controlName = "n\x00\x1b]0;pwned\x07\x1b[2J\r\u0085\u009b\u2028</title><script>alert(1)</script>`${alert(2)}`\"'"

// controlModel writes dir/model.onnx: y = Relu(Relu(x)) whose node, value
// and output names are controlName variants.
func controlModel(dir string) error {
	mid, out := "mid"+controlName, "out"+controlName
	g := &onnxpb.GraphProto{
		Node: []*onnxpb.NodeProto{
			Node("Relu", []string{"in" + controlName}, []string{mid}),
			Node("Relu", []string{mid}, []string{out}),
		},
		Input:  []*onnxpb.ValueInfoProto{VI("in"+controlName, tensor.Float32, "b"+controlName, 4)},
		Output: []*onnxpb.ValueInfoProto{AnyVI(out, tensor.Float32)},
	}
	g.Node[0].Name = "node" + controlName
	return WriteModel(filepath.Join(dir, "model.onnx"), g)
}

// controlGraph writes dir/model.webnn whose comments carry controlName
// and whose weights key is markup, with its weights and manifest.
func controlGraph(dir string) error {
	key := "</script><script>alert(3)</script>`${alert(4)}`\"'\\"
	w, err := weights.NewWriter(filepath.Join(dir, "model.weights"))
	if err != nil {
		return err
	}
	vals := make([]byte, 4*WeightLen)
	for i := 0; i < WeightLen; i++ {
		binary.LittleEndian.PutUint32(vals[4*i:], math.Float32bits(float32(i)))
	}
	if err := w.Add(key, graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{{Size: WeightLen}}}, vals); err != nil {
		w.Abort()
		return err
	}
	m, err := w.Finish()
	if err != nil {
		return err
	}
	if err := m.WriteFile(filepath.Join(dir, "manifest.json")); err != nil {
		return err
	}
	text := fmt.Sprintf(`webnn_graph "g" v2 {
  inputs {
    # in%s
    x: f32[dyn("n", 8), %d];
  }
  consts {
    # w%s
    w: f32[%d] @weights(%s);
  }
  nodes {
    # node%s
    y = add(x, w);
  }
  outputs {
    y;
  }
}
`, controlName, WeightLen, controlName, WeightLen, strconv.Quote(key), controlName)
	return os.WriteFile(filepath.Join(dir, "model.webnn"), []byte(text), 0o644)
}

// inertFiles checks that each file under out (names relative to it)
// holds valid UTF-8 without a character textsafe replaces and without the
// injected script elements raw.
func inertFiles(names ...string) func(dir, out string) error {
	return func(dir, out string) error {
		for _, n := range names {
			b, err := os.ReadFile(filepath.Join(out, n))
			if err != nil {
				return err
			}
			s := string(b)
			if !utf8.ValidString(s) {
				return fmt.Errorf("%s is not valid UTF-8", n)
			}
			for i, r := range s {
				if textsafe.Unsafe(r) && r != textsafe.Replacement {
					return fmt.Errorf("%s holds control character %U at byte %d", n, r, i)
				}
			}
			if strings.HasSuffix(n, ".html") && strings.Contains(s, "<script>alert") {
				return fmt.Errorf("%s holds an injected <script> element raw", n)
			}
		}
		return nil
	}
}

// moduleParses checks out/model.js with `node --check` where node is
// installed (the rest of inertFiles' checks run everywhere).
func moduleParses(dir, out string) error {
	if err := inertFiles("model.js")(dir, out); err != nil {
		return err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil
	}
	// --check reads a .mjs file as a module.
	mjs := filepath.Join(filepath.Dir(out), "model-check.mjs")
	b, err := os.ReadFile(filepath.Join(out, "model.js"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(mjs, b, 0o644); err != nil {
		return err
	}
	defer os.Remove(mjs)
	if msg, err := exec.Command(node, "--check", mjs).CombinedOutput(); err != nil {
		return fmt.Errorf("model.js does not parse: %v: %s", err, strings.TrimSpace(string(msg)))
	}
	return nil
}

// escOpModel writes dir/model.onnx: one node whose op type carries
// terminal escapes (an op no registry knows, so the refusal quotes it).
func escOpModel(dir string) error {
	g := &onnxpb.GraphProto{
		Node:   []*onnxpb.NodeProto{Node("NoSuchOp\x1b]0;pwned\x07\x1b[2J\r", []string{"x"}, []string{"y"})},
		Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, 4)},
		Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
	}
	g.Node[0].Name = "n"
	return WriteModel(filepath.Join(dir, "model.onnx"), g)
}

func init() {
	register(
		// Error lines go to stderr, which termSafe does not filter: the
		// op type's escapes retitled the terminal and cleared it.
		Case{Name: "names-control-chars-stderr-convert", Class: classMarkup, Setup: escOpModel,
			Args: []string{"convert", "{dir}/model.onnx", "-o", "{out}"}, Exit: 1, Msg: "NoSuchOp\uFFFD]0;pwned\uFFFD\uFFFD[2J\uFFFD"},
		Case{Name: "names-control-chars-stderr-verify", Class: classMarkup, Setup: escOpModel,
			Args: []string{"verify", "{dir}/model.onnx"}, Exit: 1, Msg: "NoSuchOp\uFFFD]0;pwned"},
		Case{Name: "names-control-chars-convert-text", Class: classMarkup, Setup: controlModel,
			Args: []string{"convert", "{dir}/model.onnx", "-o", "{out}"}, Exit: 0,
			Check: inertFiles("model.webnn")},
		Case{Name: "names-control-chars-emithtml", Class: classMarkup, Setup: controlGraph,
			Args: []string{"emit-html", "{dir}/model.webnn", "-o", "{out}"}, Exit: 0,
			Check: inertFiles("index.html")},
		Case{Name: "names-control-chars-emitjs-parses", Class: classMarkup, Setup: controlGraph,
			Args: []string{"emit-js", "{dir}/model.webnn", "-o", "{out}"}, Exit: 0,
			Check: moduleParses},
	)
}
