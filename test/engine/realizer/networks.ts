// docker:index/network:Network -> a Docker network, as terraform-provider-docker v4.5.0 handles
// it (internal/provider/resource_docker_network*.go): every attribute forces a new network
// (no Update function); Read writes name, labels, driver, internal, attachable, options, scope.
import { inspectUnlessGone, isNotFound, labelMap, labelSet, Provider } from "./provider";
import { Schema } from "./schema";

const SCHEMA: Schema = {
    name: { forceNew: true },
    driver: { forceNew: true, computed: true },
    labels: { forceNew: true, set: true },
    internal: { forceNew: true, computed: true },
    attachable: { forceNew: true },
    options: { forceNew: true, computed: true },
};

export const networkProvider: Provider = {
    schema: SCHEMA,
    computed: ["scope"],
    async create({ docker }, i) {
        const net = await docker.createNetwork({
            Name: i.name,
            Driver: i.driver ?? "bridge",
            Labels: labelMap(i.labels),
            Internal: i.internal ?? false,
            Attachable: i.attachable ?? false,
            Options: i.options ?? {},
            // A second network with the same name would split the tenant's containers.
            CheckDuplicate: true,
        });
        return { id: net.id };
    },
    // `resourceDockerNetworkReadRefreshFunc`.
    async read({ docker }, id) {
        const n = await inspectUnlessGone(() => docker.getNetwork(id).inspect());
        return (
            n && {
                name: n.Name,
                labels: labelSet(n.Labels),
                driver: n.Driver,
                internal: n.Internal,
                attachable: n.Attachable,
                options: n.Options ?? {},
                scope: n.Scope,
            }
        );
    },
    // `resourceDockerNetworkDelete`: retry for up to 30 s while Docker still counts endpoints of
    // containers that were just removed ("has active endpoints").
    async delete({ docker }, id) {
        const deadline = Date.now() + 30_000;
        for (;;) {
            try {
                await docker.getNetwork(id).remove();
                return;
            } catch (e) {
                const err = e as { statusCode?: number; message?: string };
                if (isNotFound(e)) return;
                if (!/active endpoints/.test(err.message ?? "") || Date.now() > deadline) throw e;
                await new Promise((r) => setTimeout(r, 500));
            }
        }
    },
};
