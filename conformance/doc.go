// Package conformance holds the end-to-end conformance suites of the
// converter; it has no non-test code.
//
// TestONNXNodeLowered runs ONNX's backend test suite (libonnx-testdata:
// node, pytorch-converted, pytorch-operator, simple) the way a user would:
// lower.Convert, graph.Validate, emit.PrintText, emit.ParseText (and a
// text → JSON → text fixed-point check), then the parsed graph on
// runtime/webnn, compared with the suite's reference outputs (rtol 1e-3,
// atol 1e-7 as ONNX's runner; float16 rtol 4e-3). Inputs that WebNN needs
// at conversion time (Reshape's shape, Slice's starts, …) are, when the
// first conversion refuses for that reason, turned into initializers holding
// test_data_set_0's values, the way tract's harness does. Each test ends
// passed, refused (errors.Is(err, lower.ErrUnsupported): the converter said
// precisely why the model is not expressible in WebNN), failed (a bug:
// wrong numbers, wrong shape, a runtime, validation or text-format error, a
// panic, a hang past 10 s) or skipped (sequences/optionals, unreadable
// data). Current failures and refusals are listed in
// testdata/onnx-node-lowered-expected.txt and
// testdata/onnx-node-lowered-refused.txt, so every change shows in review.
//
// TestONNXNodeLoweredDynamic runs the same tests with every input dim of
// size v >= 2 made the bounded symbol "d<v>", checking the symbolic-shape
// path on every op.
//
// TestLoweredVsONNXRuntime is a differential sweep: generated single-node
// models (and a few exporter-style shape subgraphs) over attribute
// combinations, run by runtime/onnx and through the converter, statically,
// with dynamic dims, and with the dynamic graph fed inputs one larger in
// every dynamic dim.
//
// TestZooLoweredRoundTrip converts every model of ../shared/zoo, round
// trips the graph through the text and JSON formats and checks the parsed
// graph's outputs against the first reference case of each model; the
// float32 models are also converted with Precision "float16".
//
// CONFORMANCE_UPDATE=1 rewrites the expectation files from the current
// results; CONFORMANCE_DEBUG=<test> (TestONNXNodeDebug) prints one backend
// test's graph and the reference, runtime/onnx and runtime/webnn outputs.
package conformance
