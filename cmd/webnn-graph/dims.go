package main

import (
	"fmt"
	"os"

	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
)

// dimSettings merges a --dims-file with --dim bounds and --freeze values
// (the flags win) and says where each setting came from.
func dimSettings(dimFlags, freezeFlags []string, dimsFile string) (shapeinfer.Bounds, map[string]int64, map[string]string, error) {
	bounds, err := parseBounds(dimFlags)
	if err != nil {
		return nil, nil, nil, err
	}
	freeze, err := parseAssignments("--freeze", freezeFlags)
	if err != nil {
		return nil, nil, nil, err
	}
	sources := map[string]string{}
	for k := range bounds {
		sources[k] = "--dim"
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

// readSmallFile reads a settings file of at most 1 MiB.
func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() > 1<<20 {
		return nil, fmt.Errorf("%s is larger than 1 MiB", path)
	}
	buf := make([]byte, st.Size())
	if _, err := f.ReadAt(buf, 0); err != nil && int64(len(buf)) != st.Size() {
		return nil, err
	}
	return buf, nil
}
