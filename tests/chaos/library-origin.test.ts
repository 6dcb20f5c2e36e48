import { describeEmbeddedLibrary } from '../support/drill/library-suite.js';

describeEmbeddedLibrary('origin');
