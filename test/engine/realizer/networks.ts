// docker:index/network:Network -> a Docker network. Every input forces a new network, as in
// @pulumi/docker; the ID is Docker's network ID.
import { labelMap, Provider, removeUnlessGone, stillThere } from "./provider";

export const networkProvider: Provider = {
    inputs: ["name", "driver", "labels", "internal", "attachable", "options"],
    computed: ["scope"],
    updatable: [],
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
        const info = await net.inspect();
        return { id: net.id, outputs: { driver: info.Driver, scope: info.Scope } };
    },
    async delete({ docker }, id) {
        await removeUnlessGone(() => docker.getNetwork(id).remove());
    },
    async exists({ docker }, id) {
        return stillThere(() => docker.getNetwork(id).inspect());
    },
};
