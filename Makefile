# webnn-graph — build, test, bench.
#
#   make test     vet + every test (conformance summaries printed at the end)
#   make bench    kernel and decode benchmarks as ratios against named baselines
#   make fuzz     each fuzz target for FUZZTIME (default 30s)
#   make proto    regenerate onnxpb/onnx.pb.go from onnxpb/onnx.proto
#   make example  the README's example: convert testdata/example/tiny_cnn.onnx, then verify it
#   make ops-doc  regenerate docs/ops.md from the lowering registry
SHELL := /bin/bash
GO ?= go
PROTOC_GEN_GO_VERSION := v1.36.12
GOBIN ?= $(shell $(GO) env GOPATH)/bin
FUZZTIME ?= 30s
REPORT := $(CURDIR)/bin/test-report.txt

.PHONY: build test bench fuzz proto example ops-doc clean

build:
	$(GO) build -o bin/webnn-graph ./cmd/webnn-graph

test:
	@mkdir -p bin && rm -f $(REPORT)
	$(GO) vet ./...
	@# The CLI builds for the laptops users run it on, not only this one.
	GOOS=windows GOARCH=amd64 $(GO) build -o /dev/null ./cmd/webnn-graph
	GOOS=darwin GOARCH=arm64 $(GO) build -o /dev/null ./cmd/webnn-graph
	@set -o pipefail; WEBNN_GRAPH_REPORT=$(REPORT) $(GO) test -timeout 25m ./... 2>&1 | tee bin/test.log; status=$$?; \
	echo "--- conformance, zoo and corpus summaries ---"; \
	cat $(REPORT) 2>/dev/null || echo "(none: the test data beside the checkout is absent)"; \
	echo "packages: $$(grep -c '^ok' bin/test.log) passed, $$(grep -cP '^FAIL\t' bin/test.log) failed"; \
	exit $$status

# bench prints kernel throughput against gonum and the memory bandwidth,
# then every issue-12 figure (decode and prefill against ONNX Runtime on
# smollm-135m and a generated ~0.5B Llama, memory of generate/verify/long
# runs, convert against cp) as a ratio with its target. PYTHON needs
# onnxruntime and numpy for the ONNX Runtime baseline.
PYTHON ?= python3
bench:
	$(GO) run ./tools/benchreport
	$(GO) run ./tools/benchdecode -python $(PYTHON)

fuzz:
	$(GO) test ./onnxpb -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./emit -run '^$$' -fuzz '^FuzzParseText$$' -fuzztime $(FUZZTIME)
	$(GO) test ./emit -run '^$$' -fuzz '^FuzzParseJSON$$' -fuzztime $(FUZZTIME)
	$(GO) test ./manifest -run '^$$' -fuzz '^FuzzManifestRead$$' -fuzztime $(FUZZTIME)
	$(GO) test ./weights -run '^$$' -fuzz '^FuzzWeightsOpen$$' -fuzztime $(FUZZTIME)
	$(GO) test ./weights -run '^$$' -fuzz '^FuzzSafetensors$$' -fuzztime $(FUZZTIME)
	$(GO) test ./tensor -run '^$$' -fuzz '^FuzzReadNPY$$' -fuzztime $(FUZZTIME)
	$(GO) test ./conformance -run '^$$' -fuzz '^FuzzConvertRun$$' -fuzztime $(FUZZTIME)
	$(GO) test ./conformance -run '^$$' -fuzz '^FuzzWebNNGraph$$' -fuzztime $(FUZZTIME)

# proto regenerates onnxpb/onnx.pb.go from onnxpb/onnx.proto, installing
# protoc (Debian's protobuf-compiler) and protoc-gen-go when absent.
proto:
	@command -v protoc >/dev/null || (apt-get update -qq && apt-get install -y -qq protobuf-compiler)
	GOBIN=$(GOBIN) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	cd onnxpb && PATH="$(GOBIN):$$PATH" protoc --go_out=. --go_opt=paths=source_relative onnx.proto

example: build
	./bin/webnn-graph convert testdata/example/tiny_cnn.onnx -o /tmp/tiny_cnn-webnn
	./bin/webnn-graph validate /tmp/tiny_cnn-webnn/model.webnn
	./bin/webnn-graph verify testdata/example/tiny_cnn.onnx --graph /tmp/tiny_cnn-webnn --inputs testdata/example/input.npz

ops-doc:
	$(GO) generate ./lower/...

clean:
	rm -rf bin
