// Messages of the mesh plugin protocol (proto/mesh_plugin.proto in @mesh/goplugin), written by
// hand in the struct-tag form golang/protobuf 1.3 marshals, so the example builds without protoc.
package main

import proto "github.com/golang/protobuf/proto"

type Empty struct{}

func (m *Empty) Reset()         { *m = Empty{} }
func (m *Empty) String() string { return proto.CompactTextString(m) }
func (*Empty) ProtoMessage()    {}

type Description struct {
	Name                 string   `protobuf:"bytes,1,opt,name=name,proto3"`
	Version              string   `protobuf:"bytes,2,opt,name=version,proto3"`
	PayloadKinds         []string `protobuf:"bytes,3,rep,name=payload_kinds,json=payloadKinds,proto3"`
	Provides             []string `protobuf:"bytes,4,rep,name=provides,proto3"`
	Needs                []string `protobuf:"bytes,5,rep,name=needs,proto3"`
	HandlesPeerForgotten bool     `protobuf:"varint,6,opt,name=handles_peer_forgotten,json=handlesPeerForgotten,proto3"`
}

func (m *Description) Reset()         { *m = Description{} }
func (m *Description) String() string { return proto.CompactTextString(m) }
func (*Description) ProtoMessage()    {}

type InitRequest struct {
	DaemonBrokerId   uint32   `protobuf:"varint,1,opt,name=daemon_broker_id,json=daemonBrokerId,proto3"`
	NodeId           uint32   `protobuf:"varint,2,opt,name=node_id,json=nodeId,proto3"`
	Network          uint32   `protobuf:"varint,3,opt,name=network,proto3"`
	PublicKey        []byte   `protobuf:"bytes,4,opt,name=public_key,json=publicKey,proto3"`
	IdentityPath     string   `protobuf:"bytes,5,opt,name=identity_path,json=identityPath,proto3"`
	AdminToken       string   `protobuf:"bytes,6,opt,name=admin_token,json=adminToken,proto3"`
	TrustAutoApprove bool     `protobuf:"varint,7,opt,name=trust_auto_approve,json=trustAutoApprove,proto3"`
	VersionInfoJson  string   `protobuf:"bytes,8,opt,name=version_info_json,json=versionInfoJson,proto3"`
	DataDir          string   `protobuf:"bytes,9,opt,name=data_dir,json=dataDir,proto3"`
	Services         []string `protobuf:"bytes,10,rep,name=services,proto3"`
	HasRegistry      bool     `protobuf:"varint,11,opt,name=has_registry,json=hasRegistry,proto3"`
}

func (m *InitRequest) Reset()         { *m = InitRequest{} }
func (m *InitRequest) String() string { return proto.CompactTextString(m) }
func (*InitRequest) ProtoMessage()    {}

type ShutdownRequest struct {
	DeadlineMs uint32 `protobuf:"varint,1,opt,name=deadline_ms,json=deadlineMs,proto3"`
}

func (m *ShutdownRequest) Reset()         { *m = ShutdownRequest{} }
func (m *ShutdownRequest) String() string { return proto.CompactTextString(m) }
func (*ShutdownRequest) ProtoMessage()    {}

type PayloadRequest struct {
	Source uint32 `protobuf:"varint,1,opt,name=source,proto3"`
	Kind   string `protobuf:"bytes,2,opt,name=kind,proto3"`
	Body   []byte `protobuf:"bytes,3,opt,name=body,proto3"`
}

func (m *PayloadRequest) Reset()         { *m = PayloadRequest{} }
func (m *PayloadRequest) String() string { return proto.CompactTextString(m) }
func (*PayloadRequest) ProtoMessage()    {}

type PeerForgottenRequest struct {
	NodeId uint32 `protobuf:"varint,1,opt,name=node_id,json=nodeId,proto3"`
}

func (m *PeerForgottenRequest) Reset()         { *m = PeerForgottenRequest{} }
func (m *PeerForgottenRequest) String() string { return proto.CompactTextString(m) }
func (*PeerForgottenRequest) ProtoMessage()    {}

type MethodCall struct {
	Name       string `protobuf:"bytes,1,opt,name=name,proto3"`
	ParamsJson string `protobuf:"bytes,2,opt,name=params_json,json=paramsJson,proto3"`
}

func (m *MethodCall) Reset()         { *m = MethodCall{} }
func (m *MethodCall) String() string { return proto.CompactTextString(m) }
func (*MethodCall) ProtoMessage()    {}

type JsonValue struct {
	Json string `protobuf:"bytes,1,opt,name=json,proto3"`
}

func (m *JsonValue) Reset()         { *m = JsonValue{} }
func (m *JsonValue) String() string { return proto.CompactTextString(m) }
func (*JsonValue) ProtoMessage()    {}

type DatagramMessage struct {
	DstPort    uint32 `protobuf:"varint,1,opt,name=dst_port,json=dstPort,proto3"`
	SrcNetwork uint32 `protobuf:"varint,2,opt,name=src_network,json=srcNetwork,proto3"`
	SrcNode    uint32 `protobuf:"varint,3,opt,name=src_node,json=srcNode,proto3"`
	SrcPort    uint32 `protobuf:"varint,4,opt,name=src_port,json=srcPort,proto3"`
	Data       []byte `protobuf:"bytes,5,opt,name=data,proto3"`
}

func (m *DatagramMessage) Reset()         { *m = DatagramMessage{} }
func (m *DatagramMessage) String() string { return proto.CompactTextString(m) }
func (*DatagramMessage) ProtoMessage()    {}

type ServiceCall struct {
	Service  string `protobuf:"bytes,1,opt,name=service,proto3"`
	Method   string `protobuf:"bytes,2,opt,name=method,proto3"`
	ArgsJson string `protobuf:"bytes,3,opt,name=args_json,json=argsJson,proto3"`
}

func (m *ServiceCall) Reset()         { *m = ServiceCall{} }
func (m *ServiceCall) String() string { return proto.CompactTextString(m) }
func (*ServiceCall) ProtoMessage()    {}

type DaemonCall struct {
	Method   string `protobuf:"bytes,1,opt,name=method,proto3"`
	ArgsJson string `protobuf:"bytes,2,opt,name=args_json,json=argsJson,proto3"`
	Data     []byte `protobuf:"bytes,3,opt,name=data,proto3"`
}

func (m *DaemonCall) Reset()         { *m = DaemonCall{} }
func (m *DaemonCall) String() string { return proto.CompactTextString(m) }
func (*DaemonCall) ProtoMessage()    {}

type DaemonReply struct {
	Json string `protobuf:"bytes,1,opt,name=json,proto3"`
	Data []byte `protobuf:"bytes,2,opt,name=data,proto3"`
}

func (m *DaemonReply) Reset()         { *m = DaemonReply{} }
func (m *DaemonReply) String() string { return proto.CompactTextString(m) }
func (*DaemonReply) ProtoMessage()    {}
