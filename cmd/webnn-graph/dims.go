package main

import (
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/confine"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
)

// dimSettings merges a --dims-file with bound flags (convert's --dim,
// verify's and generate's --bound: boundFlag) and --freeze values (the
// flags win) and says where each setting came from.
func dimSettings(boundFlag string, dimFlags, freezeFlags []string, dimsFile string) (shapeinfer.Bounds, map[string]int64, map[string]string, error) {
	bounds, err := parseBounds(boundFlag, dimFlags)
	if err != nil {
		return nil, nil, nil, err
	}
	freeze, err := parseAssignments("--freeze", freezeFlags)
	if err != nil {
		return nil, nil, nil, err
	}
	for k, v := range freeze {
		if v > graph.MaxDim {
			return nil, nil, nil, usagef("--freeze %s=%d: above WebNN's largest dimension %d", k, v, int64(graph.MaxDim))
		}
	}
	for k := range freeze {
		if _, both := bounds[k]; both {
			return nil, nil, nil, usagef("%s bounds %s and --freeze fixes it: give one", boundFlag, k)
		}
	}
	sources := map[string]string{}
	for k := range bounds {
		sources[k] = boundFlag
	}
	for k := range freeze {
		sources[k] = "--freeze"
	}
	if dimsFile == "" {
		return bounds, freeze, sources, nil
	}
	data, err := readSmallFile(dimsFile)
	if err != nil {
		return nil, nil, nil, usagef("--dims-file: %v", err)
	}
	d, err := lower.ParseDims(data, "dims file "+dimsFile)
	if err != nil {
		return nil, nil, nil, usagef("--dims-file: %v", err)
	}
	for k, v := range d.Freeze {
		if _, set := bounds[k]; set {
			continue
		}
		if _, set := freeze[k]; !set {
			freeze[k] = v
			sources[k] = "dims file"
		}
	}
	for k, v := range d.Bounds {
		if _, set := freeze[k]; set {
			continue
		}
		if _, set := bounds[k]; !set {
			bounds[k] = v
			sources[k] = "dims file"
		}
	}
	return bounds, freeze, sources, nil
}

// readSmallFile reads a settings file of at most 1 MiB: a regular file
// (a FIFO is refused without blocking, see confine.OpenRegular).
func readSmallFile(path string) ([]byte, error) {
	return confine.ReadRegular(path, 1<<20)
}
