// Docker names and labels of the host's proxy. Pure.
import { COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL } from "../naming";

/** Compose-style project of the proxy; no tenant can have it (tenant projects end in `_frontbase`). */
export const PROXY_PROJECT = "frontbase_proxy";
export const PROXY_LABEL = "frontbase.proxy";
export const PROXY_CONTAINER = `${PROXY_PROJECT}-caddy-1`;
export const PROXY_RELOAD_CONTAINER = `${PROXY_PROJECT}-reload-1`;
export const FOLLOWS_CADDY_LABEL = "frontbase.follows.caddy";

export function proxyVolumeName(which: "data" | "config"): string {
    return `${PROXY_PROJECT}_caddy_${which}`;
}

export function proxyLabels(service?: string): Record<string, string> {
    return { [PROXY_LABEL]: "true", [COMPOSE_PROJECT_LABEL]: PROXY_PROJECT, ...(service ? { [COMPOSE_SERVICE_LABEL]: service } : {}) };
}
