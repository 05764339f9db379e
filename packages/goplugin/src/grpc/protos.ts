// Loads the checked-in .proto files at run time with @grpc/proto-loader (no protoc needed).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import type { GrpcObject, ServiceClientConstructor, ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** The service definitions of go-plugin, gRPC health and the mesh plugin protocol. */
export interface Protos {
  /** go-plugin's broker. */
  readonly GRPCBroker: ServiceClientConstructor;
  /** go-plugin's controller (Shutdown). */
  readonly GRPCController: ServiceClientConstructor;
  /** go-plugin's stdio stream. */
  readonly GRPCStdio: ServiceClientConstructor;
  /** grpc.health.v1.Health. */
  readonly Health: ServiceClientConstructor;
  /** mesh.plugin.v1.Plugin (served by plugins). */
  readonly MeshPlugin: ServiceClientConstructor;
  /** mesh.plugin.v1.Daemon (served by the host over the broker). */
  readonly MeshDaemon: ServiceClientConstructor;
}

/** Directory of the .proto files shipped with this package. */
export function protoDir(): string {
  // dist/index.js and src/grpc/protos.ts sit at different depths below the package root.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'proto', 'mesh_plugin.proto'))) {
    const up = path.dirname(dir);
    if (up === dir)
      throw new Error('@mesh/goplugin: the proto/ directory is missing from the package');
    dir = up;
  }
  return path.join(dir, 'proto');
}

let cached: Protos | undefined;

/**
 * The loaded service definitions (loaded once per process).
 * @returns the client constructors; `.service` of each is its server definition.
 */
export function protos(): Protos {
  if (cached !== undefined) return cached;
  const dir = protoDir();
  const definition = loadSync(
    ['plugin.proto', 'health.proto', 'mesh_plugin.proto'].map((f) => path.join(dir, f)),
    { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true },
  );
  const root = loadPackageDefinition(definition);
  const pkg = (name: string): GrpcObject =>
    name.split('.').reduce<GrpcObject>((o, part) => o[part] as GrpcObject, root);
  const svc = (pkgName: string, name: string): ServiceClientConstructor =>
    pkg(pkgName)[name] as ServiceClientConstructor;
  cached = {
    GRPCBroker: svc('plugin', 'GRPCBroker'),
    GRPCController: svc('plugin', 'GRPCController'),
    GRPCStdio: svc('plugin', 'GRPCStdio'),
    Health: svc('grpc.health.v1', 'Health'),
    MeshPlugin: svc('mesh.plugin.v1', 'Plugin'),
    MeshDaemon: svc('mesh.plugin.v1', 'Daemon'),
  };
  return cached;
}

/** A service's server definition. */
export type { ServiceDefinition };
