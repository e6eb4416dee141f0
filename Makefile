# webnn-graph — build, test, bench.
GO ?= go
PROTOC_GEN_GO_VERSION := v1.36.12
GOBIN ?= $(shell $(GO) env GOPATH)/bin

.PHONY: build test proto bench fuzz vet

build:
	$(GO) build -o bin/webnn-graph ./cmd/webnn-graph

test:
	$(GO) vet ./...
	$(GO) test ./...

# proto regenerates onnxpb/onnx.pb.go from onnxpb/onnx.proto, installing
# protoc (Debian's protobuf-compiler) and protoc-gen-go when absent.
proto:
	@command -v protoc >/dev/null || (apt-get update -qq && apt-get install -y -qq protobuf-compiler)
	GOBIN=$(GOBIN) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	cd onnxpb && PATH="$(GOBIN):$$PATH" protoc --go_out=. --go_opt=paths=source_relative onnx.proto
