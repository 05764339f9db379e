// The mesh.plugin.v1.Plugin service descriptor, the part protoc-gen-go-grpc would generate.
package main

import (
	"context"

	"google.golang.org/grpc"
)

// PluginServer is what a mesh plugin written in Go implements.
type PluginServer interface {
	Describe(context.Context, *Empty) (*Description, error)
	Init(context.Context, *InitRequest) (*Empty, error)
	Shutdown(context.Context, *ShutdownRequest) (*Empty, error)
	HandlePayload(context.Context, *PayloadRequest) (*Empty, error)
	PeerForgotten(context.Context, *PeerForgottenRequest) (*Empty, error)
	InvokeMethod(context.Context, *MethodCall) (*JsonValue, error)
	DeliverDatagram(context.Context, *DatagramMessage) (*Empty, error)
	InvokeService(context.Context, *ServiceCall) (*JsonValue, error)
}

func unary[Req any, Res any](name string, call func(PluginServer, context.Context, *Req) (*Res, error)) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(srv interface{}, ctx context.Context, dec func(interface{}) error, _ grpc.UnaryServerInterceptor) (interface{}, error) {
			in := new(Req)
			if err := dec(in); err != nil {
				return nil, err
			}
			return call(srv.(PluginServer), ctx, in)
		},
	}
}

var pluginServiceDesc = grpc.ServiceDesc{
	ServiceName: "mesh.plugin.v1.Plugin",
	HandlerType: (*PluginServer)(nil),
	Methods: []grpc.MethodDesc{
		unary("Describe", PluginServer.Describe),
		unary("Init", PluginServer.Init),
		unary("Shutdown", PluginServer.Shutdown),
		unary("HandlePayload", PluginServer.HandlePayload),
		unary("PeerForgotten", PluginServer.PeerForgotten),
		unary("InvokeMethod", PluginServer.InvokeMethod),
		unary("DeliverDatagram", PluginServer.DeliverDatagram),
		unary("InvokeService", PluginServer.InvokeService),
	},
	Streams:  []grpc.StreamDesc{},
	Metadata: "mesh_plugin.proto",
}

// daemonCall calls mesh.plugin.v1.Daemon/Call on the brokered connection.
func daemonCall(ctx context.Context, conn *grpc.ClientConn, req *DaemonCall) (*DaemonReply, error) {
	out := new(DaemonReply)
	err := conn.Invoke(ctx, "/mesh.plugin.v1.Daemon/Call", req, out)
	return out, err
}
