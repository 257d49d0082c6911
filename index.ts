// Entry point for `pulumi up --stack <stack>`: the stack named `proxy` is the host's proxy
// (stacks/proxy.ts); every other stack is one Frontbase tenant (stacks/tenant.ts).
import * as pulumi from "@pulumi/pulumi";
import { PROXY_STACK, proxyProgram } from "./stacks/proxy";
import { tenantProgram } from "./stacks/tenant";

export = pulumi.getStack() === PROXY_STACK ? proxyProgram() : tenantProgram();
