package main

import "github.com/webnn-graph/webnn-graph/onnxpb"

// loadONNX loads a model whose external data may lie in its own directory
// and the --allow-external-path directories, nowhere else.
func (a *app) loadONNX(path string) (*onnxpb.Model, error) {
	return onnxpb.LoadWithOptions(path, onnxpb.LoadOptions{AllowExternal: a.allowExternal})
}
