// Package emitjs writes the browser side of a converted graph: a
// dependency-free ES module that builds it through the W3C WebNN API
// (navigator.ml, MLGraphBuilder, MLTensor), and an HTML page that uses
// the module (model summary, the graph drawn as SVG, a timed run).
//
// The module is generated from the graph IR, one MLGraphBuilder call per
// node, through one table (calls.go) from graph op names and options to
// WebNN method parameters, written from the WebNN IDL. WebNN graphs are
// static-shaped, so the module builds the graph for concrete values of
// the dynamic dims (model.build({batch_size: 1, sequence_length: 7})),
// evaluating the graph's size expressions at those values, and caches one
// MLGraph per size set. Before building it reads context.opSupportLimits():
// int64 is carried as int32 (values range-checked) when the context lacks
// it, and any other missing data type is an error naming op and type.
package emitjs
