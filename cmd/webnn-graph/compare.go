package main

import (
	"github.com/webnn-graph/webnn-graph/parity"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// comparison is one output compared against an expected tensor (see
// package parity).
type comparison = parity.Comparison

// compareTensors compares got against want with the distributions the
// reports draw.
func compareTensors(output, pair string, got, want *tensor.Tensor, atol, rtol float64, logitsLike bool) comparison {
	return parity.Compare(output, pair, got, want, parity.Tolerance{Atol: atol, Rtol: rtol}, parity.Options{Logits: logitsLike, Detail: true})
}

func asFloat64s(t *tensor.Tensor) ([]float64, bool) { return parity.Float64s(t) }

func argmax(v []float64) int { return parity.Argmax(v) }
