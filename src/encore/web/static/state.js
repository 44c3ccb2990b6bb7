// The app's few singletons, set once by app.js: the signed-in user, the player, the router.
export const app = { user: null, player: null, router: null };
