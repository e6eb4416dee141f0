package hostile

// Rows for settings given twice or out of range in the files that carry
// them (a dims file, the model's metadata dims, a JSON graph, a dynamic
// size's maxSize): encoding/json and most readers keep the last of two
// members silently, so the author's file means one thing to one reader
// and another elsewhere; each is refused naming the member.

const classSettings = "10.7 strictness: settings given twice or out of range"

func init() {
	convert := []string{"convert", "{dir}/model.onnx", "-o", "{out}"}
	with := func(base []string, more ...string) []string { return append(append([]string{}, base...), more...) }
	dims := func(json string) func(string) error { return writeFile("dims.json", json, DynamicModel) }
	register(
		Case{Name: "dims-file-name-twice", Class: classSettings, Setup: dims(`{"batch_size": 1, "batch_size": 64}`),
			Args: with(convert, "--dims-file", "{dir}/dims.json"), Exit: 2, Msg: `"batch_size" is given twice`},
		Case{Name: "dims-file-max-twice", Class: classSettings, Setup: dims(`{"batch_size": {"max": 4, "max": 100000}}`),
			Args: with(convert, "--dims-file", "{dir}/dims.json"), Exit: 2, Msg: `"max" of batch_size is given twice`},
		Case{Name: "dims-file-ort-overrides-twice", Class: classSettings,
			Setup: dims(`{"freeDimensionOverrides": {"batch_size": 1, "batch_size": 2}}`),
			Args:  with(convert, "--dims-file", "{dir}/dims.json"), Exit: 2, Msg: `"batch_size" of freeDimensionOverrides is given twice`},
		Case{Name: "dims-metadata-name-twice", Class: classSettings,
			Setup: dimParamModel("batch", map[string]string{"webnn-graph:dims": `{"batch": 2, "batch": 3}`}),
			Args:  convert, Exit: 0, Msg: `"batch" is given twice`},
		Case{Name: "json-graph-member-twice-validate", Class: classSettings,
			Setup: func(dir string) error {
				return writeFile("model.json", `{"format": "webnn-graph-json", "version": 1,
  "inputs": {"x": {"dataType": "float32", "shape": [1]}},
  "consts": {"c": {"dataType": "float32", "shape": [1], "init": {"kind": "scalar", "value": 1}, "init": {"kind": "inlineBytes", "bytes": [0, 0, 128, 127]}}},
  "nodes": [{"id": "y", "op": "add", "inputs": ["x", "c"], "outputs": ["y"]}],
  "outputs": {"y": "y"}}`, func(string) error { return nil })(dir)
			},
			Args: []string{"validate", "{dir}/model.json"}, Exit: 1, Msg: `duplicate member "init" in const "c"`},
		// Flags given twice: the last one silently won.
		Case{Name: "usage-convert-dim-given-twice", Class: classSettings, Setup: DynamicModel,
			Args: with(convert, "--dim", "batch_size=4", "--dim", "batch_size=64"), Exit: 2, Msg: "batch_size is given twice"},
		Case{Name: "usage-convert-freeze-given-twice", Class: classSettings, Setup: DynamicModel,
			Args: with(convert, "--freeze", "batch_size=4", "--freeze", "batch_size=64"), Exit: 2, Msg: "batch_size is given twice"},
		Case{Name: "usage-verify-dim-given-twice", Class: classSettings, Setup: DynamicModel,
			Args: []string{"verify", "{dir}/model.onnx", "--dim", "batch_size=1", "--dim", "batch_size=2"}, Exit: 2, Msg: "batch_size is given twice"},
		// Bounded and frozen at once: the freeze silently won.
		Case{Name: "usage-convert-dim-and-freeze", Class: classSettings, Setup: DynamicModel,
			Args: with(convert, "--freeze", "batch_size=3", "--dim", "batch_size=5"), Exit: 2, Msg: "--freeze fixes it"},
		// validate refuses a negative maxSize; run, which does not
		// validate, read it as "no maximum".
		Case{Name: "webnn-resample-sizes-negative-maxsize-run", Class: classSettings,
			Setup: func(dir string) error {
				return WebNNText(dir, `webnn_graph "g" v2 {
  inputs {
    x: f32[1, 1, dyn("N", 100), 1];
  }
  nodes {
    y = resample2d(x, sizes=[{"maxSize": -5, "name": "N * 1000"}, 1], axes=[2, 3]);
  }
  outputs {
    y;
  }
}
`)
			},
			Args: []string{"run", "{dir}/model.webnn", "--inputs", "{dir}/in.npz"}, Exit: 1, Msg: "maxSize -5"},
	)
}
