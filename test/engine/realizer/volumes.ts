// docker:index/volume:Volume -> a named Docker volume; its ID is its name, as in @pulumi/docker.
// Creating a volume whose name exists returns the existing one (Docker's own semantics), which
// is how a retained volume is picked up again after `destroy` and `up`.
import { labelMap, Provider, removeUnlessGone, stillThere } from "./provider";

export const volumeProvider: Provider = {
    inputs: ["name", "driver", "driverOpts", "labels"],
    computed: ["mountpoint"],
    updatable: [],
    async create({ docker }, i) {
        await docker.createVolume({ Name: i.name, Driver: i.driver ?? "local", DriverOpts: i.driverOpts ?? {}, Labels: labelMap(i.labels) });
        const info = await docker.getVolume(i.name).inspect();
        return { id: info.Name, outputs: { driver: info.Driver, mountpoint: info.Mountpoint } };
    },
    async delete({ docker }, id) {
        await removeUnlessGone(() => docker.getVolume(id).remove());
    },
    async exists({ docker }, id) {
        return stillThere(() => docker.getVolume(id).inspect());
    },
};
