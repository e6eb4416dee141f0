package hostile

import (
	"os"
	"path/filepath"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Rows of issue 10 item 1: no byte of a file outside the model directory is
// read (external data, weights and manifest beside a graph), links out of
// the directory are refused without saying anything about their target,
// and only regular files are opened, so a FIFO never hangs a command.

const classFiles = "10.1 files outside the model directory"

// extModel writes model.onnx whose weight w lives in external data at
// location (WeightLen float32 at offset 64), and in.npz.
func extModel(dir, location string) error {
	if err := AddModel(dir, "model.onnx", External("w", tensor.Float32, []int64{WeightLen}, location, 64, 4*WeightLen)); err != nil {
		return err
	}
	return AddInputs(dir, "in.npz")
}

// secretLink makes dir/name a link to the secret beside dir.
func secretLink(dir, name string) error {
	return Symlink(filepath.Join("..", SecretName), filepath.Join(dir, name))
}

func init() {
	convert := []string{"convert", "{dir}/model.onnx", "-o", "{out}"}
	run := []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}
	verify := []string{"verify", "{dir}/model.onnx"}
	linkedFile := func(dir string) error {
		if err := extModel(dir, "w.bin"); err != nil {
			return err
		}
		return secretLink(dir, "w.bin")
	}
	linkedDir := func(dir string) error {
		if err := extModel(dir, "etc/"+SecretName); err != nil {
			return err
		}
		return Symlink("..", filepath.Join(dir, "etc"))
	}
	fifo := func(dir string) error {
		if err := extModel(dir, "w.bin"); err != nil {
			return err
		}
		return Mkfifo(filepath.Join(dir, "w.bin"))
	}
	const outside = "outside the model directory"
	register(
		Case{Name: "extdata-symlink-file-convert", Class: classFiles, Setup: linkedFile, Args: convert, Exit: 1, Msg: outside},
		Case{Name: "extdata-symlink-file-run", Class: classFiles, Setup: linkedFile, Args: run, Exit: 1, Msg: outside},
		Case{Name: "extdata-symlink-file-verify", Class: classFiles, Setup: linkedFile, Args: verify, Exit: 1, Msg: outside},
		Case{Name: "extdata-symlink-dir-convert", Class: classFiles, Setup: linkedDir, Args: convert, Exit: 1, Msg: outside},
		Case{Name: "extdata-symlink-dir-run", Class: classFiles, Setup: linkedDir, Args: run, Exit: 1, Msg: outside},
		Case{Name: "extdata-dotdot-convert", Class: classFiles, Setup: func(dir string) error { return extModel(dir, "../"+SecretName) },
			Args: convert, Exit: 1, Msg: outside},
		Case{Name: "extdata-absolute-convert", Class: classFiles, Setup: func(dir string) error { return extModel(dir, SecretPath(dir)) },
			Args: convert, Exit: 1, Msg: outside},
		Case{Name: "extdata-fifo-convert", Class: classFiles, Setup: fifo, Args: convert, Exit: 1, Msg: "not a regular file"},
		Case{Name: "extdata-fifo-verify", Class: classFiles, Setup: fifo, Args: verify, Exit: 1, Msg: "not a regular file"},
		Case{Name: "extdata-directory-convert", Class: classFiles, Setup: func(dir string) error {
			if err := extModel(dir, "w.bin"); err != nil {
				return err
			}
			return os.Mkdir(filepath.Join(dir, "w.bin"), 0o755)
		}, Args: convert, Exit: 1, Msg: "not a regular file"},
		Case{Name: "extdata-symlink-inside-ok", Class: classFiles, Setup: func(dir string) error {
			if err := extModel(dir, "w.bin"); err != nil {
				return err
			}
			if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, "data", "real.bin"), make([]byte, 64+4*WeightLen), 0o644); err != nil {
				return err
			}
			return Symlink("data/real.bin", filepath.Join(dir, "w.bin"))
		}, Args: convert, Exit: 0},
		Case{Name: "extdata-allow-external-path", Class: classFiles, Setup: func(dir string) error {
			if err := extModel(dir, "w.bin"); err != nil {
				return err
			}
			shared := filepath.Join(filepath.Dir(dir), "shared")
			if err := os.Mkdir(shared, 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(shared, "w.bin"), make([]byte, 64+4*WeightLen), 0o644); err != nil {
				return err
			}
			return Symlink("../shared/w.bin", filepath.Join(dir, "w.bin"))
		}, Args: append(convert, "--allow-external-path", "{dir}/../shared"), Exit: 0},
		Case{Name: "model-file-fifo-convert", Class: classFiles, Setup: func(dir string) error {
			return Mkfifo(filepath.Join(dir, "model.onnx"))
		}, Args: convert, Exit: 1, Msg: "not a regular file"},
	)

	// The weights and manifest beside a converted graph.
	graphWith := func(name string, plant func(path string) error) func(dir string) error {
		return func(dir string) error {
			if err := AddGraph(dir); err != nil {
				return err
			}
			if err := AddInputs(dir, "in.npz"); err != nil {
				return err
			}
			p := filepath.Join(dir, name)
			if err := os.Remove(p); err != nil {
				return err
			}
			return plant(p)
		}
	}
	linkOut := func(p string) error { return secretLink(filepath.Dir(p), filepath.Base(p)) }
	// A well-formed manifest outside the directory: only its place is wrong.
	manifestOut := func(p string) error {
		out := filepath.Join(filepath.Dir(filepath.Dir(p)), "outside")
		if err := os.Mkdir(out, 0o755); err != nil {
			return err
		}
		if err := AddWeights(filepath.Join(out, "model.weights"), filepath.Join(out, "manifest.json")); err != nil {
			return err
		}
		return Symlink("../outside/manifest.json", p)
	}
	validate := []string{"validate", "{dir}/model.webnn"}
	runGraph := []string{"run", "{dir}/model.webnn", "--inputs", "{dir}/in.npz"}
	register(
		Case{Name: "graph-weights-symlink-validate", Class: classFiles, Setup: graphWith("model.weights", linkOut), Args: validate, Exit: 1, Msg: outside},
		Case{Name: "graph-weights-symlink-run", Class: classFiles, Setup: graphWith("model.weights", linkOut), Args: runGraph, Exit: 1, Msg: outside},
		Case{Name: "graph-weights-fifo-validate", Class: classFiles, Setup: graphWith("model.weights", Mkfifo), Args: validate, Exit: 1, Msg: "not a regular file"},
		Case{Name: "graph-weights-fifo-run", Class: classFiles, Setup: graphWith("model.weights", Mkfifo), Args: runGraph, Exit: 1, Msg: "not a regular file"},
		Case{Name: "graph-manifest-fifo-validate", Class: classFiles, Setup: graphWith("manifest.json", Mkfifo), Args: validate, Exit: 1, Msg: "not a regular file"},
		Case{Name: "graph-manifest-symlink-validate", Class: classFiles, Setup: graphWith("manifest.json", manifestOut), Args: validate, Exit: 1, Msg: outside},
		Case{Name: "graph-text-fifo-validate", Class: classFiles, Setup: graphWith("model.webnn", Mkfifo), Args: validate, Exit: 1, Msg: "not a regular file"},
		Case{Name: "run-inputs-fifo", Class: classFiles, Setup: graphWith("in.npz", Mkfifo), Args: runGraph, Exit: 1, Msg: "not a regular file"},
		Case{Name: "verify-graph-weights-symlink", Class: classFiles, Setup: func(dir string) error {
			if err := AddModel(dir, "model.onnx", nil); err != nil {
				return err
			}
			return graphWith("model.weights", linkOut)(dir)
		}, Args: []string{"verify", "{dir}/model.onnx", "--graph", "{dir}"}, Exit: 1, Msg: outside},
	)
}
