// goecho: a mesh plugin written in Go with HashiCorp's go-plugin library. It claims payload kind
// "goecho.msg" and publishes each payload back on the daemon's event bus, and registers the IPC
// method "goecho.ping"; both call back into the daemon through go-plugin's broker.
//
// Build (Debian packages golang-go, golang-github-hashicorp-go-plugin-dev, golang-google-grpc-dev):
//
//	GO111MODULE=off GOPATH=$HOME/go:/usr/share/gocode go build -o goecho .
//
// Run: meshd --plugin-exec goecho=/path/to/goecho,mtls=off
package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"sync"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// Handshake is meshd's: the same cookie as @mesh/exec-sdk, app protocol version 1.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "MESH_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "6c0d1a8e-mesh-plugin-v1",
}

type goEcho struct {
	broker *plugin.GRPCBroker
	mu     sync.Mutex
	daemon *grpc.ClientConn
	nodeID uint32
}

func (p *goEcho) call(method string, args interface{}, data []byte) (*DaemonReply, error) {
	p.mu.Lock()
	conn := p.daemon
	p.mu.Unlock()
	if conn == nil {
		return nil, errors.New("goecho is not initialised")
	}
	text, err := json.Marshal(args)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return daemonCall(ctx, conn, &DaemonCall{Method: method, ArgsJson: string(text), Data: data})
}

func (p *goEcho) Describe(context.Context, *Empty) (*Description, error) {
	return &Description{Name: "goecho", Version: "0.1.0", PayloadKinds: []string{"goecho.msg"}}, nil
}

func (p *goEcho) Init(_ context.Context, req *InitRequest) (*Empty, error) {
	conn, err := p.broker.Dial(req.DaemonBrokerId)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.daemon = conn
	p.nodeID = req.NodeId
	p.mu.Unlock()
	if _, err := p.call("method.register", map[string]string{"name": "goecho.ping"}, nil); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (p *goEcho) Shutdown(context.Context, *ShutdownRequest) (*Empty, error) {
	p.call("method.unregister", map[string]string{"name": "goecho.ping"}, nil)
	p.mu.Lock()
	if p.daemon != nil {
		p.daemon.Close()
		p.daemon = nil
	}
	p.mu.Unlock()
	return &Empty{}, nil
}

func (p *goEcho) HandlePayload(_ context.Context, req *PayloadRequest) (*Empty, error) {
	payload := map[string]interface{}{"source": req.Source, "text": string(req.Body), "lang": "go"}
	if _, err := p.call("bus.publish", map[string]interface{}{"topic": "goecho.got", "payload": payload}, nil); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (p *goEcho) PeerForgotten(context.Context, *PeerForgottenRequest) (*Empty, error) {
	return &Empty{}, nil
}

func (p *goEcho) InvokeMethod(_ context.Context, req *MethodCall) (*JsonValue, error) {
	if req.Name != "goecho.ping" {
		return nil, errors.New("method not found: " + req.Name)
	}
	var params interface{}
	if req.ParamsJson != "" {
		json.Unmarshal([]byte(req.ParamsJson), &params)
	}
	// A round trip into the daemon: sign the params with the daemon's identity.
	signed, err := p.call("sign", nil, []byte(req.ParamsJson))
	if err != nil {
		return nil, err
	}
	out, _ := json.Marshal(map[string]interface{}{
		"pong": params, "node": p.nodeID, "lang": "go", "signed": signed.Json == "true", "pid": os.Getpid(),
	})
	return &JsonValue{Json: string(out)}, nil
}

func (p *goEcho) DeliverDatagram(context.Context, *DatagramMessage) (*Empty, error) {
	return &Empty{}, nil
}

func (p *goEcho) InvokeService(context.Context, *ServiceCall) (*JsonValue, error) {
	return nil, errors.New("goecho provides no services")
}

// meshPlugin is the go-plugin glue: the plugin side registers the service; it is never a host.
type meshPlugin struct{ plugin.Plugin }

func (meshPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	s.RegisterService(&pluginServiceDesc, &goEcho{broker: broker})
	return nil
}

func (meshPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (interface{}, error) {
	return nil, errors.New("goecho is a plugin, not a host")
}

func main() {
	// go-plugin has no parent-death handling: meshd keeps our stdin open, so EOF means it is gone.
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         map[string]plugin.Plugin{"mesh": meshPlugin{}},
		GRPCServer:      plugin.DefaultGRPCServer,
	})
}
