/** The Go example plugin's sources (examples/go-echo). */
export declare const GO_EXAMPLE: string;
/**
 * Builds the Go example plugin into a temp dir, installing Debian's Go and go-plugin packages
 * first when they are missing.
 * @returns the executable path.
 */
export declare function buildGoExample(): string;
