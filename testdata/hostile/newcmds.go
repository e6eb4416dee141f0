package hostile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/webnn-graph/webnn-graph/weights"
)

// Rows for the commands added after the first hardening pass (diff,
// emit-js, emit-html, verify --report/--junit/--graph DIR, inspect of a
// directory, convert/validate --target, --dims-file): each reads the
// graph, weights and manifest beside it confined to their directory and
// writes its outputs as an atomic set (package atomicdir), like convert
// and run.

// graphDir writes AddGraph's converted directory into dir and, through
// plant, replaces one of its files (name) with something hostile.
func graphDir(name string, plant func(path string) error) func(dir string) error {
	return func(dir string) error {
		if err := AddGraph(dir); err != nil {
			return err
		}
		if name == "" {
			return nil
		}
		p := filepath.Join(dir, name)
		if err := os.Remove(p); err != nil {
			return err
		}
		return plant(p)
	}
}

// AddSafetensorsGraph writes dir/model.webnn (AddGraphText) with its
// weight in dir/model.safetensors (--weights-format safetensors), no
// manifest.
func AddSafetensorsGraph(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, "model.webnn"), []byte(AddGraphText), 0o644); err != nil {
		return err
	}
	vals := make([]byte, 4*WeightLen)
	for i := 0; i < WeightLen; i++ {
		binary.LittleEndian.PutUint32(vals[4*i:], math.Float32bits(float32(i)))
	}
	f, err := os.Create(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return err
	}
	d := graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{{Size: WeightLen}}}
	_, err = weights.WriteSafetensors(f, []weights.Tensor{{Key: "w", Desc: d, Data: func() ([]byte, error) { return vals, nil }}}, nil)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return AddInputs(dir, "in.npz")
}

// safetensorsWith writes AddSafetensorsGraph and replaces model.safetensors
// through plant.
func safetensorsWith(plant func(path string) error) func(dir string) error {
	return func(dir string) error {
		if err := AddSafetensorsGraph(dir); err != nil {
			return err
		}
		p := filepath.Join(dir, "model.safetensors")
		if err := os.Remove(p); err != nil {
			return err
		}
		return plant(p)
	}
}

// linkToSecret makes path a link to the secret beside the model directory.
func linkToSecret(path string) error {
	return Symlink(filepath.Join("..", SecretName), path)
}

// weightsInSubdir moves model.weights to data/w.bin and links it back: a
// link that stays inside the directory (allowed), which an output must
// never reproduce as a link.
func weightsInSubdir(dir string) error {
	if err := AddGraph(dir); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(dir, "model.weights"), filepath.Join(dir, "data", "w.bin")); err != nil {
		return err
	}
	return Symlink(filepath.Join("data", "w.bin"), filepath.Join(dir, "model.weights"))
}

// withDir runs setup, then creates the output directory and plant in it.
func withDir(setup func(dir string) error, plant func(out string) error) func(dir string) error {
	return func(dir string) error {
		if err := setup(dir); err != nil {
			return err
		}
		out := OutPath(dir)
		if err := os.Mkdir(out, 0o755); err != nil {
			return err
		}
		return plant(out)
	}
}

// linksAt plants, in out, links to the secret at each name.
func linksAt(names ...string) func(out string) error {
	return func(out string) error {
		for _, n := range names {
			if err := Symlink(filepath.Join("..", SecretName), filepath.Join(out, n)); err != nil {
				return err
			}
		}
		return nil
	}
}

// regularFiles checks that each name in out is a regular file (not a link,
// not missing).
func regularFiles(names ...string) func(dir, out string) error {
	return func(dir, out string) error {
		for _, n := range names {
			st, err := os.Lstat(filepath.Join(out, n))
			if err != nil || !st.Mode().IsRegular() {
				return fmt.Errorf("%s is not a regular file in the output: %v", n, err)
			}
		}
		return nil
	}
}

// readOnlyDir makes DIR/../ro, a directory this process cannot write:
// where it can (running as root), the row is skipped.
func readOnlyDir(setup func(dir string) error) func(dir string) error {
	return func(dir string) error {
		if err := setup(dir); err != nil {
			return err
		}
		ro := filepath.Join(filepath.Dir(dir), "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			return err
		}
		probe := filepath.Join(ro, "probe")
		if err := os.WriteFile(probe, nil, 0o644); err == nil {
			os.Remove(probe)
			os.Chmod(ro, 0o755)
			return fmt.Errorf("%w: a read-only directory is writable here (root)", ErrUnsupported)
		}
		return nil
	}
}

// noStages checks that no staging directory or temporary of an output set
// is left beside the output or in it.
func noStages(dir, out string) error {
	for _, d := range []string{filepath.Dir(out), out} {
		es, _ := os.ReadDir(d)
		for _, e := range es {
			if strings.Contains(e.Name(), ".webnn-graph-") || strings.Contains(e.Name(), ".tmp-") {
				return fmt.Errorf("%s left behind", filepath.Join(d, e.Name()))
			}
		}
	}
	return nil
}

// absent checks that nothing exists at path (relative to the output).
func absent(rel string) func(dir, out string) error {
	return func(dir, out string) error {
		if _, err := os.Lstat(filepath.Join(out, rel)); !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s exists after a failed command", filepath.Join(out, rel))
		}
		return nil
	}
}

// bigScalars is a valid graph whose two consts are 10^10-element scalars
// (40 GB each as float32) differing in value: 300 bytes of text.
func bigScalars(v int) string {
	return fmt.Sprintf(`webnn_graph "big" v1 {
  inputs { x: f32[1]; }
  consts { c: f32[100000, 100000] @scalar(%d); }
  nodes { y = add(x, c); }
  outputs { y; }
}
`, v)
}

// overflowGraph is a graph whose const's byte size overflows int64.
const overflowGraph = `webnn_graph "t" v1 {
  inputs { x: f32[1]; }
  consts { c: f32[2147483648, 2147483648, 2147483648] @scalar(1); }
  nodes { y = add(x, c); }
  outputs { y; }
}
`

func writeText(path, text string) error { return os.WriteFile(path, []byte(text), 0o644) }

const classNewCmds = "10.1/10.2/10.6 new commands: diff, emit-js, emit-html, verify --report/--junit"

func init() {
	const outside = "outside the model directory"
	const notRegular = "not a regular file"
	emitJS := []string{"emit-js", "{dir}", "-o", "{out}"}
	emitHTML := []string{"emit-html", "{dir}", "-o", "{out}"}
	diffSelf := []string{"diff", "{dir}", "{dir}"}
	pinnedOther := func(dir string) error {
		if err := AddGraph(dir); err != nil {
			return err
		}
		if err := PinGraph(dir); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, "model.webnn"), []byte("# another conversion\n"+AddGraphText), 0o644)
	}

	// Reads: the graph, weights and manifest of a directory, confined.
	register(
		Case{Name: "emitjs-weights-symlink-out", Class: classNewCmds, Setup: graphDir("model.weights", linkToSecret),
			Args: emitJS, Exit: 1, Msg: outside},
		Case{Name: "emithtml-weights-symlink-out", Class: classNewCmds, Setup: graphDir("model.weights", linkToSecret),
			Args: emitHTML, Exit: 1, Msg: outside},
		Case{Name: "emitjs-manifest-fifo", Class: classNewCmds, Setup: graphDir("manifest.json", Mkfifo),
			Args: emitJS, Exit: 1, Msg: notRegular},
		Case{Name: "emitjs-graph-in-dir-symlink-out", Class: classNewCmds, Setup: graphDir("model.webnn", linkToSecret),
			Args: emitJS, Exit: 1, Msg: outside},
		Case{Name: "emitjs-graph-in-dir-fifo", Class: classNewCmds, Setup: graphDir("model.webnn", Mkfifo),
			Args: emitJS, Exit: 1, Msg: notRegular},
		Case{Name: "emitjs-weights-body-corrupt", Class: classNewCmds, Setup: func(dir string) error {
			if err := AddGraph(dir); err != nil {
				return err
			}
			p := filepath.Join(dir, "model.weights")
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)-1] ^= 0x40 // a value changed, the header's digest not
			return os.WriteFile(p, b, 0o644)
		}, Args: emitJS, Exit: 1, Msg: "does not match"},
		// verify --graph is the check of a converted directory: a weights
		// file whose body changed fails it even where the changed values
		// stay within tolerance.
		Case{Name: "verify-graph-weights-body-corrupt", Class: classNewCmds, Setup: func(dir string) error {
			if err := AddModel(dir, "model.onnx", nil); err != nil {
				return err
			}
			if err := AddGraph(dir); err != nil {
				return err
			}
			p := filepath.Join(dir, "model.weights")
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)-4] ^= 1 // the lowest mantissa bit of the last weight
			return os.WriteFile(p, b, 0o644)
		}, Args: []string{"verify", "{dir}/model.onnx", "--graph", "{dir}"}, Exit: 1, Msg: "does not match"},
		Case{Name: "emitjs-mixed-set", Class: classNewCmds, Setup: pinnedOther,
			Args: emitJS, Exit: 1, Msg: "not part of the output set"},
		Case{Name: "diff-weights-symlink-out", Class: classNewCmds, Setup: graphDir("model.weights", linkToSecret),
			Args: diffSelf, Exit: 1, Msg: outside},
		Case{Name: "diff-manifest-fifo", Class: classNewCmds, Setup: graphDir("manifest.json", Mkfifo),
			Args: diffSelf, Exit: 1, Msg: notRegular},
		Case{Name: "diff-graph-in-dir-symlink-out", Class: classNewCmds, Setup: graphDir("model.webnn", linkToSecret),
			Args: diffSelf, Exit: 1, Msg: outside},
		Case{Name: "diff-mixed-set", Class: classNewCmds, Setup: pinnedOther,
			Args: diffSelf, Exit: 1, Msg: "not part of the output set"},
		Case{Name: "verify-graph-dir-symlink-out", Class: classNewCmds, Setup: func(dir string) error {
			if err := AddModel(dir, "model.onnx", nil); err != nil {
				return err
			}
			return graphDir("model.webnn", linkToSecret)(dir)
		}, Args: []string{"verify", "{dir}/model.onnx", "--graph", "{dir}"}, Exit: 1, Msg: outside},
		Case{Name: "inspect-graph-in-dir-symlink-out", Class: classNewCmds, Setup: graphDir("model.webnn", linkToSecret),
			Args: []string{"inspect", "{dir}"}, Exit: 1, Msg: outside},
		Case{Name: "safetensors-symlink-out-validate", Class: classNewCmds, Setup: safetensorsWith(linkToSecret),
			Args: []string{"validate", "{dir}/model.webnn"}, Exit: 1, Msg: outside},
		Case{Name: "safetensors-symlink-out-run", Class: classNewCmds, Setup: safetensorsWith(linkToSecret),
			Args: []string{"run", "{dir}/model.webnn", "--inputs", "{dir}/in.npz"}, Exit: 1, Msg: outside},
		Case{Name: "safetensors-symlink-out-emitjs", Class: classNewCmds, Setup: safetensorsWith(linkToSecret),
			Args: emitJS, Exit: 1, Msg: outside},
		Case{Name: "safetensors-symlink-out-diff", Class: classNewCmds, Setup: safetensorsWith(linkToSecret),
			Args: diffSelf, Exit: 1, Msg: outside},
		Case{Name: "safetensors-fifo-validate", Class: classNewCmds, Setup: safetensorsWith(Mkfifo),
			Args: []string{"validate", "{dir}/model.webnn"}, Exit: 1, Msg: notRegular},
		Case{Name: "safetensors-fifo-emitjs", Class: classNewCmds, Setup: safetensorsWith(Mkfifo),
			Args: emitJS, Exit: 1, Msg: notRegular},
		// A header length of 2^62: refused from the 8 bytes, never allocated.
		Case{Name: "safetensors-header-length-huge", Class: classNewCmds, Setup: safetensorsWith(func(p string) error {
			b := make([]byte, 16)
			binary.LittleEndian.PutUint64(b, 1<<62)
			return os.WriteFile(p, b, 0o644)
		}), Args: []string{"validate", "{dir}/model.webnn"}, Exit: 1, Msg: "safetensors"},
		Case{Name: "safetensors-emitjs-regular-files", Class: classNewCmds, Setup: AddSafetensorsGraph,
			Args: emitJS, Exit: 0, Check: regularFiles("model.js", "model.safetensors", "model.safetensors.manifest.json")},
		Case{Name: "convert-dims-file-fifo", Class: classNewCmds, Setup: func(dir string) error {
			if err := DynamicModel(dir); err != nil {
				return err
			}
			return Mkfifo(filepath.Join(dir, "dims.json"))
		}, Args: []string{"convert", "{dir}/model.onnx", "-o", "{out}", "--dims-file", "{dir}/dims.json"}, Exit: 2, Msg: notRegular},
	)

	// Writes: outputs as atomic sets, never through a link, nothing left.
	register(
		// A link inside the directory is fine to read, but the output gets
		// the file, never the link (it would dangle, or point at whatever
		// data/w.bin is beside the output).
		Case{Name: "emitjs-weights-link-inside-copied-as-file", Class: classNewCmds, Setup: weightsInSubdir,
			Args: emitJS, Exit: 0, Check: regularFiles("model.js", "model.weights", "manifest.json")},
		Case{Name: "emitjs-planted-links-replaced", Class: classNewCmds,
			Setup: withDir(graphDir("", nil), linksAt("model.js", "model.weights", "manifest.json")),
			Args:  emitJS, Exit: 0, Check: regularFiles("model.js", "model.weights", "manifest.json")},
		Case{Name: "emithtml-planted-links-replaced", Class: classNewCmds,
			Setup: withDir(graphDir("", nil), linksAt("index.html", "model.js", "model.weights", "manifest.json")),
			Args:  emitHTML, Exit: 0, Check: regularFiles("index.html", "model.js", "model.weights", "manifest.json")},
		// The output already holds hard links of the very weights: publishing
		// over them must not leave its staging directory behind.
		Case{Name: "emitjs-over-own-hard-links", Class: classNewCmds, Setup: withDir(graphDir("", nil), func(out string) error {
			dir := filepath.Join(filepath.Dir(out), ModelDirName)
			for _, n := range []string{"model.weights", "manifest.json"} {
				if err := os.Link(filepath.Join(dir, n), filepath.Join(out, n)); err != nil {
					return fmt.Errorf("%w: link: %v", ErrUnsupported, err)
				}
			}
			return os.WriteFile(filepath.Join(out, "index.html"), []byte("<p>an earlier page</p>"), 0o644)
		}), Args: emitJS, Exit: 0, Check: func(dir, out string) error {
			if err := noStages(dir, out); err != nil {
				return err
			}
			return regularFiles("model.js", "model.weights", "index.html")(dir, out)
		}},
		// Into the graph's own directory: the module only, the graph's
		// weights and manifest untouched.
		Case{Name: "emitjs-into-graph-dir-keeps-weights", Class: classNewCmds, Setup: func(dir string) error {
			if err := os.Mkdir(OutPath(dir), 0o755); err != nil {
				return err
			}
			return AddGraph(OutPath(dir))
		}, Args: []string{"emit-js", "{out}", "-o", "{out}"}, Exit: 0, Check: func(dir, out string) error {
			if err := noStages(dir, out); err != nil {
				return err
			}
			return regularFiles("model.js", "model.webnn", "model.weights", "manifest.json")(dir, out)
		}},
		// -o names another conversion's directory: its weights are not
		// replaced by this graph's (a mixed set).
		Case{Name: "emitjs-into-other-conversion", Class: classNewCmds, Setup: func(dir string) error {
			if err := AddGraph(dir); err != nil {
				return err
			}
			if err := os.Mkdir(OutPath(dir), 0o755); err != nil {
				return err
			}
			return AddGraph(OutPath(dir))
		}, Args: emitJS, Exit: 1, Msg: "holds another graph's conversion"},
		Case{Name: "emitjs-out-is-a-file", Class: classNewCmds, Setup: func(dir string) error {
			if err := AddGraph(dir); err != nil {
				return err
			}
			return os.WriteFile(OutPath(dir), []byte("a file"), 0o644)
		}, Args: emitJS, Exit: 1, Msg: "not a directory"},
		Case{Name: "emitjs-out-in-read-only-dir", Class: classNewCmds, Setup: readOnlyDir(AddGraph),
			Args: []string{"emit-js", "{dir}", "-o", "{dir}/../ro/web"}, Exit: 1, Msg: "permission denied"},
		Case{Name: "emitjs-fails-leaves-no-parents", Class: classNewCmds,
			Setup: func(dir string) error { return writeText(filepath.Join(dir, "model.webnn"), overflowGraph) },
			Args:  []string{"emit-js", "{dir}", "-o", "{out}/a/b"}, Exit: 1, Msg: "overflows", Check: absent("")},
		Case{Name: "emitjs-without-out", Class: classNewCmds, Setup: graphDir("", nil),
			Args: []string{"emit-js", "{dir}"}, Exit: 2, Msg: "-o DIR"},

		Case{Name: "verify-report-planted-links-replaced", Class: classNewCmds,
			Setup: withDir(func(dir string) error { return AddModel(dir, "model.onnx", nil) }, linksAt("report.md", "report.html")),
			Args:  []string{"verify", "{dir}/model.onnx", "--report", "{out}"}, Exit: 0, Check: regularFiles("report.md", "report.html")},
		Case{Name: "verify-junit-planted-link-replaced", Class: classNewCmds, Setup: func(dir string) error {
			if err := AddModel(dir, "model.onnx", nil); err != nil {
				return err
			}
			return linkToSecret(OutPath(dir))
		}, Args: []string{"verify", "{dir}/model.onnx", "--junit", "{out}"}, Exit: 0, Check: func(dir, out string) error {
			if st, err := os.Lstat(out); err != nil || !st.Mode().IsRegular() {
				return fmt.Errorf("--junit left %s a link or nothing: %v", out, err)
			}
			return noStages(dir, out)
		}},
		Case{Name: "verify-junit-is-a-directory", Class: classNewCmds,
			Setup: withDir(func(dir string) error { return AddModel(dir, "model.onnx", nil) }, func(string) error { return nil }),
			Args:  []string{"verify", "{dir}/model.onnx", "--junit", "{out}"}, Exit: 1, Msg: "is a directory"},
		Case{Name: "verify-junit-missing-parent", Class: classNewCmds, Setup: func(dir string) error { return AddModel(dir, "model.onnx", nil) },
			Args: []string{"verify", "{dir}/model.onnx", "--junit", "{out}/a/j.xml"}, Exit: 1, Msg: "does not exist", Check: absent("")},
		Case{Name: "verify-report-is-a-file", Class: classNewCmds, Setup: func(dir string) error {
			if err := AddModel(dir, "model.onnx", nil); err != nil {
				return err
			}
			return os.WriteFile(OutPath(dir), []byte("a file"), 0o644)
		}, Args: []string{"verify", "{dir}/model.onnx", "--report", "{out}"}, Exit: 1, Msg: "not a directory"},
		Case{Name: "verify-report-in-read-only-dir", Class: classNewCmds,
			Setup: readOnlyDir(func(dir string) error { return AddModel(dir, "model.onnx", nil) }),
			Args:  []string{"verify", "{dir}/model.onnx", "--report", "{dir}/../ro/rep"}, Exit: 1, Msg: "permission denied"},
		// A usage error writes no report.
		Case{Name: "verify-report-usage-error-writes-nothing", Class: classNewCmds, Setup: func(dir string) error { return AddModel(dir, "model.onnx", nil) },
			Args: []string{"verify", "{dir}/model.onnx", "--report", "{out}", "--dim", "oops"}, Exit: 2, Msg: "--dim", Check: absent("")},
		Case{Name: "run-o-missing-parent", Class: classNewCmds, Setup: func(dir string) error {
			if err := AddGraph(dir); err != nil {
				return err
			}
			return AddInputs(dir, "in.npz")
		},
			Args: []string{"run", "{dir}/model.webnn", "--inputs", "{dir}/in.npz", "-o", "{out}/a/o.npz"}, Exit: 1, Msg: "does not exist"},
	)

	// Sizes: 300 bytes of text must not become gigabytes in a command that
	// does not run the graph.
	register(
		Case{Name: "diff-huge-scalar-consts", Class: classNewCmds, Setup: func(dir string) error {
			if err := writeText(filepath.Join(dir, "a.webnn"), bigScalars(1)); err != nil {
				return err
			}
			return writeText(filepath.Join(dir, "b.webnn"), bigScalars(2))
		}, Args: []string{"diff", "{dir}/a.webnn", "{dir}/b.webnn"}, Exit: 1, Msg: "differ"},
		Case{Name: "diff-overflow-dims", Class: classNewCmds,
			Setup: func(dir string) error { return writeText(filepath.Join(dir, "model.webnn"), overflowGraph) },
			Args:  []string{"diff", "{dir}/model.webnn", "{dir}/model.webnn"}, Exit: 1, Msg: "overflows"},
		Case{Name: "emitjs-overflow-dims", Class: classNewCmds,
			Setup: func(dir string) error { return writeText(filepath.Join(dir, "model.webnn"), overflowGraph) },
			Args:  emitJS, Exit: 1, Msg: "overflows"},
		// Huge but representable: the module describes the graph, the
		// browser allocates; emit-js itself allocates nothing of it.
		Case{Name: "emitjs-huge-scalar-consts", Class: classNewCmds,
			Setup: func(dir string) error { return writeText(filepath.Join(dir, "model.webnn"), bigScalars(1)) },
			Args:  emitHTML, Exit: 0, Check: regularFiles("model.js", "index.html")},
		Case{Name: "inspect-webnn-overflow", Class: classNewCmds,
			Setup: func(dir string) error { return writeText(filepath.Join(dir, "model.webnn"), overflowGraph) },
			Args:  []string{"inspect", "{dir}/model.webnn"}, Exit: 1, Msg: "overflows"},
		Case{Name: "inspect-onnx-initializer-overflow", Class: classNewCmds, Setup: func(dir string) error {
			return AddModel(dir, "model.onnx", External("w", tensor.Float32, []int64{1 << 40, 1 << 40}, "w.bin", 0, 0))
		}, Args: []string{"inspect", "{dir}/model.onnx"}, Exit: 1, Msg: "overflows"},
	)

	// Command-line mistakes: exit 2, decided before anything is read.
	register(
		Case{Name: "usage-convert-unknown-target", Class: classNewCmds, Setup: func(dir string) error { return AddModel(dir, "model.onnx", nil) },
			Args: []string{"convert", "{dir}/model.onnx", "-o", "{out}", "--target", "chrome-99"}, Exit: 2, Msg: "--target"},
		Case{Name: "usage-validate-unknown-target-first", Class: classNewCmds, Setup: graphDir("model.webnn", Mkfifo),
			Args: []string{"validate", "{dir}/model.webnn", "--target", "chrome-99"}, Exit: 2, Msg: "--target"},
		Case{Name: "usage-verify-unknown-target", Class: classNewCmds, Setup: func(dir string) error { return AddModel(dir, "model.onnx", nil) },
			Args: []string{"verify", "{dir}/model.onnx", "--target", "chrome-99", "--report", "{out}"}, Exit: 2, Msg: "--target", Check: absent("")},
		Case{Name: "usage-verify-rtol-nan-report", Class: classNewCmds, Setup: func(dir string) error { return AddModel(dir, "model.onnx", nil) },
			Args: []string{"verify", "{dir}/model.onnx", "--rtol", "nan", "--junit", "{out}"}, Exit: 2, Msg: "--rtol", Check: absent("")},
		// Zero rows of input_ids: no prompt for the decode comparison (it
		// indexed the first row: "internal error: index out of range").
		Case{Name: "verify-dim-zero-rows-input-ids", Class: classNewCmds, Setup: func(dir string) error {
			g := &onnxpb.GraphProto{
				Node:   []*onnxpb.NodeProto{Node("Identity", []string{"input_ids"}, []string{"y"})},
				Input:  []*onnxpb.ValueInfoProto{VI("input_ids", tensor.Int64, "batch_size", "sequence_length")},
				Output: []*onnxpb.ValueInfoProto{VI("y", tensor.Int64, "batch_size", "sequence_length")},
			}
			return WriteModel(filepath.Join(dir, "model.onnx"), g)
		}, Args: []string{"verify", "{dir}/model.onnx", "--dim", "batch_size=0"}, Exit: 0},
		Case{Name: "usage-convert-dim-above-max-dimension", Class: classNewCmds, Setup: DynamicModel,
			Args: []string{"convert", "{dir}/model.onnx", "-o", "{out}", "--dim", "batch_size=1099511627776"}, Exit: 2, Msg: "largest dimension"},
		Case{Name: "usage-convert-freeze-above-max-dimension", Class: classNewCmds, Setup: DynamicModel,
			Args: []string{"convert", "{dir}/model.onnx", "-o", "{out}", "--freeze", "batch_size=1099511627776"}, Exit: 2, Msg: "largest dimension"},
		Case{Name: "usage-convert-precision-unknown", Class: classNewCmds, Setup: func(dir string) error { return AddModel(dir, "model.onnx", nil) },
			Args: []string{"convert", "{dir}/model.onnx", "-o", "{out}", "--precision", "bfloat16"}, Exit: 2, Msg: "--precision"},
		Case{Name: "usage-verify-precision-unknown", Class: classNewCmds, Setup: func(dir string) error { return AddModel(dir, "model.onnx", nil) },
			Args: []string{"verify", "{dir}/model.onnx", "--precision", "half", "--junit", "{out}"}, Exit: 2, Msg: "--precision", Check: absent("")},
		Case{Name: "usage-verify-steps-negative", Class: classNewCmds, Setup: func(dir string) error { return AddModel(dir, "model.onnx", nil) },
			Args: []string{"verify", "{dir}/model.onnx", "--steps", "-5"}, Exit: 2, Msg: "--steps"},
		Case{Name: "usage-diff-one-argument", Class: classNewCmds, Setup: graphDir("", nil),
			Args: []string{"diff", "{dir}"}, Exit: 2, Msg: "diff expects"},
	)
}
