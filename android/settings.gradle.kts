// The Android build: the `thecal` library module, the `thecal-android` layer (BLE transport,
// notifications) and the patient app (`app`, whose screens are shared with the desktop runner:
// ../ui).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "thecal-android"
include(":thecal")
include(":app")
include(":thecal-android")
