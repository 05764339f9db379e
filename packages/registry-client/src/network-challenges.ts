/**
 * Challenge strings a network member signs for administrative requests (instead of sending an admin
 * token): `<message type>:<node>:<network>`, and `set_member_tags:<node>:<network>:<target>` for
 * member tags. They match `@mesh/registry`'s checks; the Go client only sends these requests with an
 * admin token, so these are a mesh addition.
 */
export const networkChallenges = {
  /** `<type>:<node>:<net>` for delete/rename/enterprise/promote/demote/kick/transfer/policies. */
  admin: (type: string, node: number, net: number): string => `${type}:${node}:${net}`,
  /** `set_member_tags:<node>:<net>:<target>` */
  memberTags: (node: number, net: number, target: number): string =>
    `set_member_tags:${node}:${net}:${target}`,
} as const;
