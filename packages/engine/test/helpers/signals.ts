// The signal helpers are public now (`errand/testing`); the suites keep importing them from here.
export { eventually, waitForEvent } from '../../src/testing.js';
