// Plugins are declared here and applied in the modules.
plugins {
    id("com.android.library") version "8.7.3" apply false
    id("com.android.application") version "8.7.3" apply false
    id("org.jetbrains.kotlin.android") version "2.1.0" apply false
    // Compose's compiler, the same version as Kotlin (the app module).
    id("org.jetbrains.kotlin.plugin.compose") version "2.1.0" apply false
}
