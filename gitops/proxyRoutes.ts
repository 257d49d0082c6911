// Whether a tenant stack file's change alters the proxy's routes: its domains or the frontend
// ports they route to (its second slot's too), compared between two versions of the file. Pure: the caller reads git.
import { fleetRoutes, StackConfigFile } from "../components/proxy/routes";

/**
 * `before`/`after`: the tenant's stack file at the base and head of the change (undefined when
 * absent there). True when the route the proxy would derive from it differs, or when either
 * version has a domain problem (the proxy's preview is where that error shows).
 */
export function routeChanged(before: StackConfigFile | undefined, after: StackConfigFile | undefined): boolean {
    const route = (f: StackConfigFile | undefined) => {
        if (!f) return { routes: [], problems: [] };
        return fleetRoutes([f]);
    };
    const [b, a] = [route(before), route(after)];
    if (b.problems.length > 0 || a.problems.length > 0) return true;
    const shape = (rs: typeof a.routes) => JSON.stringify(rs.map((r) => [r.domains, r.upstream, r.slot2]));
    return shape(b.routes) !== shape(a.routes);
}
