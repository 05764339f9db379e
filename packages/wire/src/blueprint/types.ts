/** Network policy section of a blueprint (legacy fields; `allowed_ports` becomes a policy document). */
export interface BlueprintPolicy {
  /** Member cap; omitted or 0 means no cap. */
  max_members?: number;
  /** Ports members may use (0..65535). */
  allowed_ports?: number[];
  /** Free-text description. */
  description?: string;
}

/** Pre-assigns an RBAC role to an external identity. */
export interface BlueprintRole {
  /** External identity the role is for (required). */
  external_id: string;
  /** `owner`, `admin` or `member`. */
  role: string;
}

/** External identity verification. */
export interface BlueprintIdentityProvider {
  /** `oidc`, `saml`, `webhook`, `entra_id` or `ldap`. */
  type: string;
  /** Verification endpoint (required; http/https, no link-local or cloud-metadata target). */
  url: string;
  /** OIDC issuer URL. */
  issuer?: string;
  /** OIDC client id. */
  client_id?: string;
  /** Azure AD / Entra ID tenant. */
  tenant_id?: string;
  /** LDAP domain. */
  domain?: string;
}

/** Webhook endpoints of the network (each validated like any URL when set). */
export interface BlueprintWebhooks {
  /** Audit event webhook. */
  audit_url?: string;
  /** Identity verification webhook. */
  identity_url?: string;
}

/** External audit-log export. */
export interface BlueprintAuditExport {
  /** `json`, `splunk_hec` or `syslog_cef`. */
  format: string;
  /** Destination: a URL for `json`/`splunk_hec`, a raw `host:port` for `syslog_cef` (required). */
  endpoint: string;
  /** Auth token (e.g. Splunk HEC token). */
  token?: string;
  /** Splunk index. */
  index?: string;
  /** Source identifier. */
  source?: string;
}

/**
 * Declarative configuration for provisioning a network in one shot (`provision_network`, blueprint
 * files), with the JSON field names of the reference. Optional fields are omitted when empty.
 */
export interface NetworkBlueprint {
  /** Network name (required). */
  name: string;
  /** `open` (default), `token` or `invite`; empty means open. */
  join_rule?: string;
  /** Required when `join_rule` is `token`. */
  join_token?: string;
  /** Enables enterprise features. */
  enterprise?: boolean;
  /** Legacy policy section. */
  policy?: BlueprintPolicy;
  /** Expression policy document (a JSON object: `version` 1 and a non-empty `rules` array). */
  expr_policy?: Record<string, unknown>;
  /** RBAC pre-assignments by external id. */
  roles?: BlueprintRole[];
  /** Identity provider configuration. */
  identity_provider?: BlueprintIdentityProvider;
  /** Webhook endpoints. */
  webhooks?: BlueprintWebhooks;
  /** Audit export configuration. */
  audit_export?: BlueprintAuditExport;
  /** Per-network admin token (optional override). */
  network_admin_token?: string;
}
