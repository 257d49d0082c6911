// Entry point for `pulumi up --stack <tenant>`: one stack, one Frontbase tenant.
import { tenantProgram } from "./stacks/tenant";

export = tenantProgram();
