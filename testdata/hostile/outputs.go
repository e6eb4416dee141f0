package hostile

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Rows of issue 10 item 2: outputs are never lost, mixed or written
// through a planted link. (The kill -9 interruptions, concurrent converts
// and failing converts beside successful ones are TestKill9 and
// TestFailedConvertKeepsOthersFiles in cmd/webnn-graph.)

const classOutputs = "10.2 outputs never lost, mixed or written through a link"

func init() {
	convert := []string{"convert", "{dir}/model.onnx", "-o", "{out}"}
	addModel := func(dir string) error { return AddModel(dir, "model.onnx", nil) }
	// A model that fails while its weights are written (after the output
	// set was begun): its external data is missing.
	failing := func(dir string) error {
		return AddModel(dir, "model.onnx", External("w", tensor.Float32, []int64{WeightLen}, "missing.bin", 0, 4*WeightLen))
	}
	// The output directory already exists with these entries.
	withOut := func(setup func(dir string) error, plant func(out string) error) func(dir string) error {
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
	// Links named like every output, pointing at the secret: a convert
	// that wrote through one would change it.
	plantLinks := func(out string) error {
		for _, n := range []string{"model.webnn", "model.weights", "manifest.json", "model.json"} {
			if err := Symlink(filepath.Join("..", SecretName), filepath.Join(out, n)); err != nil {
				return err
			}
		}
		return nil
	}
	regular := func(names ...string) func(dir, out string) error {
		return func(dir, out string) error {
			for _, n := range names {
				st, err := os.Lstat(filepath.Join(out, n))
				if err != nil || !st.Mode().IsRegular() {
					return fmt.Errorf("%s is not a regular file after convert: %v", n, err)
				}
			}
			return nil
		}
	}
	graph := func(dir string) error {
		if err := AddGraph(dir); err != nil {
			return err
		}
		return AddInputs(dir, "in.npz")
	}
	runGraph := []string{"run", "{dir}/model.webnn", "--inputs", "{dir}/in.npz", "-o", "{out}"}
	register(
		Case{Name: "convert-fails-leaves-no-parents", Class: classOutputs, Setup: failing,
			Args: []string{"convert", "{dir}/model.onnx", "-o", "{out}/a/b/c"}, Exit: 1, Msg: "missing.bin"},
		Case{Name: "convert-fails-existing-out-unchanged", Class: classOutputs,
			Setup: withOut(failing, func(out string) error { return AddGraph(out) }), Args: convert, Exit: 1, Msg: "missing.bin"},
		Case{Name: "convert-planted-links-replaced", Class: classOutputs, Setup: withOut(addModel, plantLinks),
			Args: convert, Exit: 0, Check: regular("model.webnn", "model.weights", "manifest.json")},
		Case{Name: "convert-planted-links-replaced-json", Class: classOutputs, Setup: withOut(addModel, plantLinks),
			Args: append(convert, "--emit-json"), Exit: 0, Check: regular("model.webnn", "model.json", "model.weights", "manifest.json")},
		Case{Name: "convert-keeps-user-files", Class: classOutputs, Setup: withOut(addModel, func(out string) error {
			if err := AddGraph(out); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644)
		}), Args: convert, Exit: 0, Check: func(dir, out string) error {
			if b, err := os.ReadFile(filepath.Join(out, "notes.txt")); err != nil || string(b) != "mine" {
				return fmt.Errorf("the user's notes.txt is gone or changed: %v", err)
			}
			return regular("model.webnn", "model.weights", "manifest.json")(dir, out)
		}},
		Case{Name: "convert-clears-legacy-temporaries", Class: classOutputs, Setup: withOut(addModel, func(out string) error {
			// Earlier versions' NAME.tmp-PID of a PID above any pid_max.
			return os.WriteFile(filepath.Join(out, "model.weights.tmp-4194399"), []byte("stale"), 0o644)
		}), Args: convert, Exit: 0, Check: func(dir, out string) error {
			if _, err := os.Lstat(filepath.Join(out, "model.weights.tmp-4194399")); err == nil {
				return fmt.Errorf("an interrupted convert's model.weights.tmp-PID is still there")
			}
			return nil
		}},
		Case{Name: "convert-out-is-a-file", Class: classOutputs, Setup: func(dir string) error {
			if err := addModel(dir); err != nil {
				return err
			}
			return os.WriteFile(OutPath(dir), []byte("a file"), 0o644)
		}, Args: convert, Exit: 1, Msg: "not a directory"},
		Case{Name: "run-o-existing-dir", Class: classOutputs, Setup: withOut(graph, func(string) error { return nil }),
			Args: runGraph, Exit: 1, Msg: "is a directory"},
		Case{Name: "run-o-planted-link-replaced", Class: classOutputs, Setup: func(dir string) error {
			if err := graph(dir); err != nil {
				return err
			}
			return Symlink(SecretName, OutPath(dir))
		}, Args: runGraph, Exit: 0, Check: func(dir, out string) error {
			if st, err := os.Lstat(out); err != nil || !st.Mode().IsRegular() {
				return fmt.Errorf("run -o left %s a link or nothing: %v", out, err)
			}
			return nil
		}},
	)

	// A converted directory whose files are not the ones its manifest pins
	// (what a crash between per-file renames, or a hand-copied file, leaves).
	pinned := func(tamper func(dir string) error) func(dir string) error {
		return func(dir string) error {
			if err := graph(dir); err != nil {
				return err
			}
			if err := PinGraph(dir); err != nil {
				return err
			}
			return tamper(dir)
		}
	}
	otherWeights := func(dir string) error {
		// Same size and a valid header, but another conversion's values.
		p := filepath.Join(dir, "model.weights")
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i := 64; i+4 <= len(b); i += 4 {
			binary.LittleEndian.PutUint32(b[i:], binary.LittleEndian.Uint32(b[i:])^0x80000000)
		}
		b[8] ^= 1 // its own digest differs too
		return os.WriteFile(p, b, 0o644)
	}
	otherGraph := func(dir string) error {
		return os.WriteFile(filepath.Join(dir, "model.webnn"), []byte("# another conversion\n"+AddGraphText), 0o644)
	}
	const mixed = "not part of the output set"
	register(
		Case{Name: "mixed-set-weights-validate", Class: classOutputs, Setup: pinned(otherWeights),
			Args: []string{"validate", "{dir}/model.webnn"}, Exit: 1, Msg: mixed},
		Case{Name: "mixed-set-weights-run", Class: classOutputs, Setup: pinned(otherWeights),
			Args: []string{"run", "{dir}/model.webnn", "--inputs", "{dir}/in.npz"}, Exit: 1, Msg: mixed},
		Case{Name: "mixed-set-graph-run", Class: classOutputs, Setup: pinned(otherGraph),
			Args: []string{"run", "{dir}/model.webnn", "--inputs", "{dir}/in.npz"}, Exit: 1, Msg: mixed},
		Case{Name: "pinned-set-validates", Class: classOutputs, Setup: pinned(func(string) error { return nil }),
			Args: []string{"validate", "{dir}/model.webnn"}, Exit: 0},
	)
}
